package support.customerservice.android.calls

import android.app.Notification
import android.app.NotificationManager
import android.app.Person
import android.content.Context
import android.graphics.drawable.Icon
import android.os.Build
import support.customerservice.android.notifications.NotificationChannels

/**
 * The incoming-call notification: the system's call style (Android 12+: Answer and Decline as the system lays them
 * out), category call, a full-screen intent that raises the call screen over the lock screen, the ringtone repeating
 * until it is answered, declined, stopped by a stop-ringing push, or times out at the ring deadline.
 *
 * [smallIcon] is the app's monochrome notification icon (a resource id: the app's R is Gradle's, not this code's).
 */
class IncomingCallNotifier(private val context: Context, val smallIcon: Int) {
    private val manager = context.getSystemService(NotificationManager::class.java)

    /**
     * Shows the call for [ringForMs]. [fullScreen] false (already in a call, or the user denied full-screen intents)
     * gives a heads-up notification only.
     */
    fun show(call: CallDetails, ringForMs: Long, fullScreen: Boolean = true) {
        manager.notify(call.callId, ID, build(call, ringForMs, fullScreen))
    }

    /** Takes the call's notification down, which also stops its ringtone. */
    fun cancel(callId: String) = manager.cancel(callId, ID)

    fun build(call: CallDetails, ringForMs: Long, fullScreen: Boolean): Notification {
        val decline = CallIntents.broadcast(context, CallIntents.ACTION_DECLINE, call.callId)
        val answer = CallIntents.answer(context, call)
        val builder =
            Notification.Builder(context, NotificationChannels.CALLS)
                .setSmallIcon(smallIcon)
                .setContentTitle(call.callerName.ifBlank { "Customer Service" })
                .setContentText(call.ticketSubject.ifBlank { "Incoming call" })
                .setCategory(Notification.CATEGORY_CALL)
                .setVisibility(Notification.VISIBILITY_PUBLIC)
                .setOngoing(true)
                .setAutoCancel(false)
                .setTimeoutAfter(ringForMs)
                .setContentIntent(CallIntents.fullScreen(context, call))
        if (fullScreen) builder.setFullScreenIntent(CallIntents.fullScreen(context, call), true)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            val caller = Person.Builder().setName(call.callerName.ifBlank { "Caller" }).setImportant(true).build()
            builder.setStyle(Notification.CallStyle.forIncomingCall(caller, decline, answer))
        } else {
            builder.setActions(
                Notification.Action.Builder(Icon.createWithResource(context, smallIcon), "Decline", decline).build(),
                Notification.Action.Builder(Icon.createWithResource(context, smallIcon), "Answer", answer).build(),
            )
        }
        return builder.build().apply { flags = flags or Notification.FLAG_INSISTENT }
    }

    companion object {
        /** One id for all call notifications: the call id is the tag. */
        const val ID = 1
    }
}
