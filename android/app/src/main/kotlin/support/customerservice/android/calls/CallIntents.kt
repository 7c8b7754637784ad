package support.customerservice.android.calls

import android.app.PendingIntent
import android.content.ComponentName
import android.content.Context
import android.content.Intent

/**
 * The intents a call notification carries. The activities are named by class name: they need AndroidX (Gradle-only
 * glue, `app/src/glue`), and the Maven build of this code does not see them. Every PendingIntent is immutable and
 * explicit, with a request code per call so two calls' intents never replace each other.
 */
object CallIntents {
    /** The full-screen incoming-call activity (glue: IncomingCallActivity). */
    const val INCOMING_CALL_ACTIVITY = "support.customerservice.android.IncomingCallActivity"

    const val ACTION_RING = "support.customerservice.action.RING"
    const val ACTION_ANSWER = "support.customerservice.action.ANSWER"
    const val ACTION_DECLINE = "support.customerservice.action.DECLINE"
    const val ACTION_HANG_UP = "support.customerservice.action.HANG_UP"

    const val EXTRA_CALL_ID = "call_id"
    const val EXTRA_TICKET_ID = "ticket_id"
    const val EXTRA_CALLER_NAME = "caller_name"
    const val EXTRA_TICKET_SUBJECT = "ticket_subject"

    /** The incoming-call screen, shown over the lock screen; [action] says whether the user already answered. */
    fun callScreen(context: Context, action: String, call: CallDetails): Intent =
        Intent(action)
            .setComponent(ComponentName(context.packageName, INCOMING_CALL_ACTIVITY))
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_NO_USER_ACTION)
            .putExtra(EXTRA_CALL_ID, call.callId)
            .putExtra(EXTRA_TICKET_ID, call.ticketId)
            .putExtra(EXTRA_CALLER_NAME, call.callerName)
            .putExtra(EXTRA_TICKET_SUBJECT, call.ticketSubject)

    fun fullScreen(context: Context, call: CallDetails): PendingIntent =
        PendingIntent.getActivity(context, requestCode(call.callId, 0), callScreen(context, ACTION_RING, call), FLAGS)

    fun answer(context: Context, call: CallDetails): PendingIntent =
        PendingIntent.getActivity(context, requestCode(call.callId, 1), callScreen(context, ACTION_ANSWER, call), FLAGS)

    /** Decline (and hang up, for the ongoing call's notification) go to [CallActionReceiver], with no UI. */
    fun broadcast(context: Context, action: String, callId: String): PendingIntent =
        PendingIntent.getBroadcast(
            context,
            requestCode(callId, if (action == ACTION_DECLINE) 2 else 3),
            Intent(action).setClass(context, CallActionReceiver::class.java).putExtra(EXTRA_CALL_ID, callId),
            FLAGS,
        )

    /** The call a call intent is about, or `null` for a foreign or broken intent. */
    fun details(intent: Intent): CallDetails? {
        val callId = intent.getStringExtra(EXTRA_CALL_ID) ?: return null
        return CallDetails(
            callId = callId,
            ticketId = intent.getStringExtra(EXTRA_TICKET_ID).orEmpty(),
            callerName = intent.getStringExtra(EXTRA_CALLER_NAME).orEmpty(),
            ticketSubject = intent.getStringExtra(EXTRA_TICKET_SUBJECT).orEmpty(),
        )
    }

    private fun requestCode(callId: String, slot: Int) = callId.hashCode() * 4 + slot

    private const val FLAGS = PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE
}

/** Who is calling about what: what the call screen and its notification show. */
data class CallDetails(val callId: String, val ticketId: String, val callerName: String, val ticketSubject: String)
