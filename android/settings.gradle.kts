// The Android app for Android Studio. The JVM build of the same code is Maven's
// (pom.xml, scripts/test-jvm); this project compiles the shared sources itself
// (see app/build.gradle.kts), so there is one copy of every file.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "CustomerService"
include(":app")
