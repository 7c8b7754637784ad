package support.customerservice.android.push

import android.util.Log
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.flow.first
import support.customerservice.android.calls.CallDetails
import support.customerservice.android.calls.CallRinger
import support.customerservice.android.notifications.MessageNotifier
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.push.PushDecision
import support.customerservice.client.push.PushHandler
import support.customerservice.core.CoreException

/**
 * What FirebaseMessagingService.onMessageReceived forwards to: every data map goes through the core's `parsePush`, then
 * [PushHandler] decides, then this acts (ring, stop ringing, notify, report a self-test arrival). A push that is not
 * this app's is logged and dropped. Runs on a background thread; a call rings before the core has even connected.
 */
class PushDispatcher(
    private val core: Deferred<CustomerServiceCore>,
    private val handler: PushHandler,
    private val ringer: CallRinger,
    private val messages: MessageNotifier,
    private val device: AndroidPushDevice,
) {
    /** Handles one push; returns the decision (for the log and tests). */
    suspend fun onPush(data: Map<String, String>): PushDecision {
        val core =
            try {
                core.await()
            } catch (e: CoreException) {
                Log.e(TAG, "a push arrived but the app's data cannot be opened: ${e.message}")
                return PushDecision.Ignore("the core cannot be opened")
            }
        val action =
            try {
                core.pushAction(data)
            } catch (e: CoreException) {
                Log.w(TAG, "not a push of this app: ${e.message}")
                return PushDecision.Ignore("not a push of this app")
            }
        val decision = handler.decide(action, core.callsFlow().first())
        when (decision) {
            is PushDecision.Ring ->
                ringer.ring(
                    CallDetails(decision.callId, decision.ticketId, decision.callerName, decision.ticketSubject),
                    decision.ringForMs,
                    decision.inAnotherCall,
                )
            is PushDecision.StopRinging -> ringer.stop(decision.callId)
            is PushDecision.NotifyMessage -> messages.showMessage(core, decision.ticketId, decision.messageId)
            is PushDecision.NotifyStatus -> messages.showStatus(core, decision.ticketId, decision.status)
            is PushDecision.AskRating -> messages.askRating(core, decision.ticketId)
            is PushDecision.NotifySlaBreach ->
                messages.showSlaBreach(core, decision.ticketId, decision.ticketNumber, decision.target)
            is PushDecision.TestArrived -> device.arrived(decision)
            is PushDecision.Ignore -> Log.i(TAG, decision.why)
        }
        return decision
    }

    private companion object {
        const val TAG = "Push"
    }
}
