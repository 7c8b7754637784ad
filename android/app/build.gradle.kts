// The Android app. Its sources are shared with the Maven (JVM) build, never copied:
//   src/main/kotlin                  platform code, compiled and Robolectric-tested by Maven too (app/pom.xml)
//   src/glue/kotlin                  the few files that need AndroidX or Firebase (Google's Maven): Gradle only
//   ../core-jvm/src/main/kotlin      the Kotlin layer over the core
//   ../screens/src/main/kotlin       the Compose screens and presenters
//   ../../target/bindings/kotlin     the core's generated bindings (scripts/bindings)
// and the native core from scripts/android-native (src/main/jniLibs).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
    alias(libs.plugins.google.services)
}

val workspace = rootDir.parentFile
val bindings = File(workspace, "target/bindings/kotlin")

android {
    namespace = "support.customerservice.android"
    compileSdk = 36

    defaultConfig {
        applicationId = "support.customerservice.android"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        // The server the app talks to: ./gradlew -PserverUrl=https://support.example.com assembleRelease
        val serverUrl = (project.findProperty("serverUrl") as String?) ?: "http://10.0.2.2:8080"
        buildConfigField("String", "SERVER_URL", "\"$serverUrl\"")
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            kotlin.srcDirs(
                "src/main/kotlin",
                "src/glue/kotlin",
                "../core-jvm/src/main/kotlin",
                "../screens/src/main/kotlin",
                bindings,
            )
        }
        getByName("test") {
            kotlin.srcDirs("src/test/kotlin", "../testing/src/main/kotlin")
        }
    }

    testOptions {
        unitTests.isIncludeAndroidResources = true
        unitTests.all {
            // The Robolectric tests start the real server and load the host-built core (scripts/test-jvm builds both).
            it.systemProperty("cs.server.binary", File(workspace, "target/debug/server").path)
            it.systemProperty("jna.library.path", File(workspace, "target/debug").path)
        }
    }

    packaging {
        resources.excludes += "/META-INF/{AL2.0,LGPL2.1}"
    }
}

kotlin {
    jvmToolchain(17)
}

tasks.named("preBuild") {
    doFirst {
        check(bindings.isDirectory) { "No generated bindings in $bindings: run scripts/bindings first (android/README.md)" }
    }
}

dependencies {
    implementation(libs.kotlinx.coroutines.android)
    // The aar carries JNA's native parts for Android.
    implementation("${libs.jna.get()}@aar")
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.foundation)
    implementation(libs.compose.material3)
    implementation(libs.compose.material.icons.extended)
    implementation(libs.compose.ui.tooling.preview)
    debugImplementation(libs.compose.ui.tooling)
    implementation(platform(libs.firebase.bom))
    implementation(libs.firebase.messaging)

    testImplementation(libs.robolectric)
    testImplementation(libs.junit)
    testImplementation(libs.kotlin.test.junit)
    testImplementation(libs.androidx.test.monitor)
    // For ../testing (the real server as a child process), shared with the Maven build.
    testImplementation(libs.kotlinx.coroutines.test)
    testImplementation(libs.kotlinx.serialization.json)
}
