package support.customerservice.android

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import support.customerservice.android.calls.CallIntents
import support.customerservice.android.calls.LockScreen
import support.customerservice.client.CustomerServiceCore
import support.customerservice.ui.call.CallEvent
import support.customerservice.ui.call.CallPresenter
import support.customerservice.ui.call.CallScreen
import support.customerservice.ui.theme.CustomerServiceTheme

/**
 * Glue (AndroidX): the call screen raised by the incoming-call notification, over the lock screen. Answer (here or on
 * the notification) asks for the microphone if needed, then goes through CallController; everything else is the shared
 * CallPresenter and CallScreen.
 */
class IncomingCallActivity : ComponentActivity() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    private var callId: String? = null
    private val microphone =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            val id = callId ?: return@registerForActivityResult
            if (granted) answer(id) else decline(id)
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        LockScreen.showOver(this)
        val services = appServices
        setContent {
            val core by produceState<CustomerServiceCore?>(null) { value = services.core.await() }
            core?.let {
                val presenter = remember(it) { CallPresenter(it, scope, { services.calls.newDevice() }) { finish() } }
                val state by presenter.state.collectAsState()
                CustomerServiceTheme {
                    CallScreen(
                        state,
                        { event ->
                            val id = state.call?.id ?: callId
                            when {
                                event == CallEvent.Accept && id != null -> requestAnswer(id)
                                event == CallEvent.Decline && id != null -> decline(id)
                                else -> presenter.onEvent(event)
                            }
                        },
                    )
                }
            }
        }
        handle(intent)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    private fun handle(intent: Intent) {
        val call = CallIntents.details(intent) ?: return finish()
        callId = call.callId
        if (intent.action == CallIntents.ACTION_ANSWER) requestAnswer(call.callId)
    }

    private fun requestAnswer(id: String) {
        if (Permissions.missing(this, Permissions.forCalls).isEmpty()) answer(id)
        else microphone.launch(android.Manifest.permission.RECORD_AUDIO)
    }

    private fun answer(id: String) {
        LockScreen.dismiss(this)
        scope.launch { runCatching { appServices.calls.answer(id) }.onFailure { finish() } }
    }

    private fun decline(id: String) {
        scope.launch {
            runCatching { appServices.calls.decline(id) }
            finish()
        }
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }
}
