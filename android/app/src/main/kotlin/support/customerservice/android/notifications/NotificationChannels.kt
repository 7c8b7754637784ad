package support.customerservice.android.notifications

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.media.AudioAttributes
import android.media.RingtoneManager

/**
 * The app's notification channels (created at start; creating one again changes nothing the user set):
 * - [CALLS]: incoming calls, with the phone's ringtone and vibration, allowed through Do Not Disturb's call rules;
 * - [ONGOING_CALL]: the silent notification of a call in progress (the foreground service's);
 * - [MESSAGES]: chat messages and ticket status, one notification per ticket. The server names it in its FCM messages,
 *   so the system posts background pushes here too.
 */
object NotificationChannels {
    const val CALLS = "calls"
    const val ONGOING_CALL = "ongoing_call"
    const val MESSAGES = "messages"

    fun create(context: Context) {
        val manager = context.getSystemService(NotificationManager::class.java)
        val ringtone =
            AudioAttributes.Builder()
                .setUsage(AudioAttributes.USAGE_NOTIFICATION_RINGTONE)
                .setContentType(AudioAttributes.CONTENT_TYPE_SONIFICATION)
                .build()
        val calls =
            NotificationChannel(CALLS, "Incoming calls", NotificationManager.IMPORTANCE_HIGH).apply {
                description = "Calls from support or from customers, with the ringtone"
                setSound(RingtoneManager.getDefaultUri(RingtoneManager.TYPE_RINGTONE), ringtone)
                enableVibration(true)
                vibrationPattern = longArrayOf(0, 800, 800)
                lockscreenVisibility = android.app.Notification.VISIBILITY_PUBLIC
            }
        val ongoing =
            NotificationChannel(ONGOING_CALL, "Call in progress", NotificationManager.IMPORTANCE_LOW).apply {
                description = "Shown while a call is connected"
                setSound(null, null)
            }
        val messages =
            NotificationChannel(MESSAGES, "Messages", NotificationManager.IMPORTANCE_HIGH).apply {
                description = "New messages and changes to your tickets"
            }
        manager.createNotificationChannels(listOf(calls, ongoing, messages))
    }
}
