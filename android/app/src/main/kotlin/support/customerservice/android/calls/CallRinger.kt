package support.customerservice.android.calls

import android.content.Context
import support.customerservice.client.calls.RingingCalls

/**
 * Rings and stops ringing, whichever way a call arrived (a push, or the socket while the app runs in the background).
 * The full-screen call screen only when the user allows it (Android 14+) and no other call is on; otherwise a heads-up
 * notification.
 */
class CallRinger(
    private val context: Context,
    private val notifier: IncomingCallNotifier,
    private val ringing: RingingCalls,
) {
    fun ring(call: CallDetails, ringForMs: Long, inAnotherCall: Boolean) {
        ringing.markRinging(call.callId)
        val fullScreen = !inAnotherCall && FullScreenIntentAccess.granted(context)
        notifier.show(call, ringForMs, fullScreen)
    }

    fun stop(callId: String) {
        ringing.finish(callId)
        notifier.cancel(callId)
    }
}
