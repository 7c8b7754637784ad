package support.customerservice.android

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableSharedFlow
import support.customerservice.android.calls.FullScreenIntentAccess
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.push.PushSelfTest
import support.customerservice.ui.app.AppGraph
import support.customerservice.ui.app.CustomerServiceApp

/**
 * Glue (AndroidX): the app's window. Shows the shared screens once the core is open, forwards deep links (a tapped
 * notification) to them, and asks for the notification permission in context (after the screens are up).
 */
class MainActivity : ComponentActivity() {
    private val openTicket = MutableSharedFlow<String>(replay = 1)
    private val files by lazy { AndroidFiles(this) }
    private val callAudio by lazy { PhoneCallAudio(this, appServices.calls) }
    private val notificationsPermission =
        registerForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {}

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // Both register for activity results, which must happen before the activity starts.
        files
        callAudio
        val services = appServices
        setContent {
            val core by produceState<CustomerServiceCore?>(null) { value = services.core.await() }
            core?.let {
                val graph =
                    remember(it) {
                        AppGraph(
                            core = it,
                            serverUrl = BuildConfig.SERVER_URL,
                            picker = files,
                            opener = files,
                            audio = callAudio,
                            presenterContext = Dispatchers.Main.immediate,
                            pushCheck = PushSelfTest(services.pushDevice, it),
                            openNotificationSettings = { startActivity(Permissions.notificationSettings(this)) },
                        )
                    }
                CustomerServiceApp(
                    graph,
                    openTicket = openTicket,
                    backHandler = { enabled, onBack -> BackHandler(enabled, onBack) },
                )
            }
        }
        handle(intent)
        Permissions.missing(this, Permissions.forNotifications)
            .takeIf { it.isNotEmpty() }
            ?.let { notificationsPermission.launch(it.toTypedArray()) }
        // Android 14+: calls take the screen only if the user allows it; ask once, on the system's page.
        if (FullScreenIntentAccess.shouldAsk(this)) {
            FullScreenIntentAccess.settingsIntent(this)?.let(::startActivity)
            FullScreenIntentAccess.markAsked(this)
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    private fun handle(intent: Intent?) {
        DeepLinks.ticketId(intent)?.let {
            appServices.messages.clear(it)
            openTicket.tryEmit(it)
        }
    }
}
