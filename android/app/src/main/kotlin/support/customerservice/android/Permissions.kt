package support.customerservice.android

import android.Manifest
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.provider.Settings

/**
 * The runtime permissions the app asks for, each in context: notifications (Android 13+) when the user signs in, the
 * microphone when a call is about to start (placing, or answering).
 */
object Permissions {
    val forNotifications: List<String> =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) listOf(Manifest.permission.POST_NOTIFICATIONS)
        else emptyList()

    val forCalls: List<String> = listOf(Manifest.permission.RECORD_AUDIO)

    /** The system page of this app's notifications (where the push self-test sends a user who turned them off). */
    fun notificationSettings(context: Context): Intent =
        Intent(Settings.ACTION_APP_NOTIFICATION_SETTINGS)
            .putExtra(Settings.EXTRA_APP_PACKAGE, context.packageName)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)

    /** Which of [permissions] the user has not granted yet. */
    fun missing(context: Context, permissions: List<String>): List<String> =
        permissions.filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }
}
