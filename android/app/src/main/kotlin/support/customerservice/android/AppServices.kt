package support.customerservice.android

import android.content.Context
import android.util.Log
import java.io.File
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import support.customerservice.android.audio.AndroidAudioDevice
import support.customerservice.android.calls.CallController
import support.customerservice.android.calls.CallDetails
import support.customerservice.android.calls.CallRinger
import support.customerservice.android.calls.ClosableAudio
import support.customerservice.android.calls.IncomingCallNotifier
import support.customerservice.android.notifications.MessageNotifier
import support.customerservice.android.notifications.NotificationChannels
import support.customerservice.android.push.AndroidPushDevice
import support.customerservice.android.push.PushDispatcher
import support.customerservice.android.push.PushTokenSource
import support.customerservice.android.security.AndroidKeystoreKey
import support.customerservice.android.security.KeystoreTokenStore
import support.customerservice.android.security.TokenKey
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.calls.RingingCalls
import support.customerservice.client.push.PushHandler
import support.customerservice.client.push.PushRegistrar
import support.customerservice.core.CoreException

/**
 * What the app holds for the whole process, made once by the Application: one core (opened off the main thread, its
 * cache in the app's private storage, its session token under a Keystore key), the notifications, and the push path.
 * Receivers and services reach it through [AppServicesOwner].
 *
 * [smallIcon] is the app's notification icon resource.
 */
class AppServices(
    val context: Context,
    serverUrl: String,
    smallIcon: Int,
    tokenSource: PushTokenSource,
    tokenKey: TokenKey = AndroidKeystoreKey(),
    openAudio: () -> ClosableAudio = AndroidAudioDevice::open,
    val scope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Default + logFailures),
) {
    /** The core, ready once its cache is open; await it, never block the main thread on it. */
    val core: Deferred<CustomerServiceCore> =
        scope.async(Dispatchers.IO) {
            val dataDir = File(context.filesDir, "core").apply { mkdirs() }
            val tokens = KeystoreTokenStore(File(context.filesDir, "session.token"), tokenKey)
            CustomerServiceCore.open(serverUrl, dataDir.path, tokens)
        }

    val ringing = RingingCalls()
    val callNotifier = IncomingCallNotifier(context, smallIcon)
    val ringer = CallRinger(context, callNotifier, ringing)
    val calls = CallController(context, core, ringer, openAudio)
    val messages = MessageNotifier(context, smallIcon)
    val pushDevice = AndroidPushDevice(context, tokenSource)
    val dispatcher = PushDispatcher(core, PushHandler(ringing = ringing), ringer, messages, pushDevice)
    private val registrar = scope.async { PushRegistrar(core.await(), scope) { tokenSource.cachedToken() } }

    /** Channels, then, once the core is open, the token registration and calls announced over the socket. */
    fun start() {
        NotificationChannels.create(context)
        scope.launch {
            val core =
                try {
                    core.await()
                } catch (_: CoreException) {
                    return@launch // an unreadable cache: the app's screen says so when it opens it
                }
            registrar.await().start()
            core.callsFlow().collect { calls ->
                val change = ringing.update(calls)
                for (call in change.ring) {
                    ringer.ring(
                        CallDetails(call.id, call.ticketId, call.callerName.orEmpty(), call.ticketSubject.orEmpty()),
                        PushHandler.DEFAULT_RING_MS,
                        inAnotherCall = calls.any { it.id != call.id && it.isLive() },
                    )
                }
                change.stop.forEach(ringer::stop)
                // A call answered or placed on screen keeps its microphone through the foreground service.
                for (call in calls.filter { it.isLive() }) this@AppServices.calls.startForeground(call.id)
            }
        }
    }

    /** FCM's onNewToken. */
    fun onNewToken(token: String) {
        scope.launch { registrar.await().onNewToken(token) }
    }
}

/**
 * Background work that fails (the cache cannot be opened, so nothing that awaits the core can run) is logged, not
 * thrown at the process: the screens say why when they open the core themselves.
 */
private val logFailures = CoroutineExceptionHandler { _, e -> Log.e("AppServices", "background work failed", e) }

/** The Application: where receivers and services find [AppServices]. */
interface AppServicesOwner {
    val services: AppServices
}

val Context.appServices: AppServices
    get() = (applicationContext as AppServicesOwner).services

private fun support.customerservice.core.CallInfo.isLive() =
    phase is support.customerservice.core.CallPhase.Connecting ||
        phase is support.customerservice.core.CallPhase.Connected ||
        phase is support.customerservice.core.CallPhase.Reconnecting
