package support.customerservice.android.calls

import android.app.NotificationManager
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.provider.Settings

/**
 * Whether the app may raise the call screen over the lock screen. Since Android 14 only calling and alarm apps get it
 * by default and the user can revoke it; without it a call is a heads-up notification only. The app checks before
 * ringing and guides the user to the setting.
 */
object FullScreenIntentAccess {
    fun granted(context: Context): Boolean =
        Build.VERSION.SDK_INT < Build.VERSION_CODES.UPSIDE_DOWN_CAKE ||
            context.getSystemService(NotificationManager::class.java).canUseFullScreenIntent()

    /** Whether to send the user to the setting now: it is denied and the app has not asked before. */
    fun shouldAsk(context: Context): Boolean =
        !granted(context) && !prefs(context).getBoolean(ASKED, false) && settingsIntent(context) != null

    fun markAsked(context: Context) = prefs(context).edit().putBoolean(ASKED, true).apply()

    private fun prefs(context: Context) = context.getSharedPreferences("calls", Context.MODE_PRIVATE)

    private const val ASKED = "asked_full_screen_intent"

    /** The system page where the user allows it for this app (Android 14+), or `null` where it needs no setting. */
    fun settingsIntent(context: Context): Intent? =
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.UPSIDE_DOWN_CAKE) {
            null
        } else {
            Intent(Settings.ACTION_MANAGE_APP_USE_FULL_SCREEN_INTENT, Uri.parse("package:${context.packageName}"))
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        }
}
