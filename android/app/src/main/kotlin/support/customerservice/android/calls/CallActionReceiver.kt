package support.customerservice.android.calls

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import kotlinx.coroutines.launch
import support.customerservice.android.appServices
import support.customerservice.core.CoreException

/**
 * Decline (incoming-call notification) and Hang up (ongoing-call notification), without opening the app. The ringing
 * stops at once; the request to the server finishes in the background (`goAsync`).
 */
class CallActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val callId = intent.getStringExtra(CallIntents.EXTRA_CALL_ID) ?: return
        val services = context.appServices
        // Null when called outside a broadcast (tests): then there is nothing to hold open.
        val pending: PendingResult? = goAsync()
        services.scope.launch {
            try {
                when (intent.action) {
                    CallIntents.ACTION_DECLINE -> services.calls.decline(callId)
                    CallIntents.ACTION_HANG_UP -> services.calls.hangUp(callId)
                }
            } catch (e: CoreException) {
                // Offline: the call stops ringing on the server at its deadline anyway.
                Log.w("Calls", "${intent.action} of $callId failed: ${e.message}")
            } finally {
                pending?.finish()
            }
        }
        if (intent.action == CallIntents.ACTION_DECLINE) services.ringer.stop(callId)
    }
}
