package support.customerservice.android

import android.app.Application

/** Glue (needs Gradle's BuildConfig and R): makes the process's [AppServices]; all logic is in AppServices. */
class CustomerServiceApplication : Application(), AppServicesOwner {
    override lateinit var services: AppServices
        private set

    override fun onCreate() {
        super.onCreate()
        services = AppServices(this, BuildConfig.SERVER_URL, R.drawable.ic_notification, FirebaseTokenSource)
        services.start()
    }
}
