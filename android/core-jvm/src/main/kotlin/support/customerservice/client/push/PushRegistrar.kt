package support.customerservice.client.push

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.SyncState

/**
 * Keeps this device's push token registered for whoever is signed in: after each sign-in (once the connection is live)
 * and whenever FCM hands out a new token. Signing out needs nothing here: the server drops the devices of a session
 * that ends. A registration that fails (offline) is tried again the next time the connection is live.
 *
 * [currentToken] reads the token the platform last gave (FCM's cached token); `null` when there is none yet.
 */
class PushRegistrar(
    private val core: CustomerServiceCore,
    private val scope: CoroutineScope,
    private val currentToken: suspend () -> String?,
) {
    private val lock = Mutex()
    /** The user and token the server last confirmed. */
    private var registered: Pair<String, String>? = null
    @Volatile private var latestToken: String? = null

    /** Starts following the connection; call once. */
    fun start(): Job =
        scope.launch {
            core.syncStateFlow().collect { state ->
                when (state) {
                    SyncState.LIVE -> registerIfNeeded()
                    SyncState.SIGNED_OUT -> lock.withLock { registered = null }
                    else -> Unit
                }
            }
        }

    /** FCM's `onNewToken`: the old token is dead, register the new one now. */
    fun onNewToken(token: String) {
        latestToken = token
        scope.launch { registerIfNeeded() }
    }

    private suspend fun registerIfNeeded() {
        val user = core.currentUser ?: return
        val token = latestToken ?: currentToken()?.also { latestToken = it } ?: return
        lock.withLock {
            if (registered == user.id to token) return
            try {
                core.registerPushToken(token)
                registered = user.id to token
            } catch (_: CoreException) {
                // Offline or signed out meanwhile: the next live connection tries again.
            }
        }
    }
}
