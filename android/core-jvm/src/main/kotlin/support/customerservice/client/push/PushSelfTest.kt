package support.customerservice.client.push

import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import support.customerservice.core.CoreException
import support.customerservice.core.TestPushOutcome

/** What the phone gives the push self-test: its permission, its push token, and the test pushes it receives. */
interface PushDevice {
    /** Whether the user lets the app show notifications (Android 13+ asks; earlier versions can turn them off). */
    fun notificationsAllowed(): Boolean

    /** This device's FCM token; throws with a readable message when there is none (no Play services, no network). */
    suspend fun token(): String

    /** Every test push this device receives. */
    val testPushes: Flow<PushDecision.TestArrived>
}

/** The steps of the self-test, in order: the first that fails says where pushes stop. */
enum class PushCheckStep {
    NOTIFICATIONS,
    TOKEN,
    SERVER,
    FCM,
    DELIVERY,
}

/**
 * How the self-test ended: every step passed, with the round trip on this device's clock (from asking the server to the
 * push's arrival), or the step that failed and why.
 */
sealed interface PushCheckResult {
    data class Passed(val roundTripMs: Long) : PushCheckResult

    data class Failed(val step: PushCheckStep, val reason: String) : PushCheckResult
}

/** What the self-test needs of the core (the app's `CustomerServiceCore`; a fake in tests). */
interface PushCheckServer {
    suspend fun registerPushToken(token: String)

    suspend fun sendTestPush(token: String): TestPushOutcome
}

/**
 * The push self-test (pushes that never arrive are the most reported complaint about support apps): checks each step a
 * push passes, in order, and reports the first that fails, or the round trip from the server's send to this device.
 * [onStep] hears each step as it starts.
 */
class PushSelfTest(
    private val device: PushDevice,
    private val server: PushCheckServer,
    private val deliveryTimeoutMs: Long = DELIVERY_TIMEOUT_MS,
    private val now: () -> Long = System::currentTimeMillis,
) {
    suspend fun run(onStep: (PushCheckStep) -> Unit = {}): PushCheckResult {
        onStep(PushCheckStep.NOTIFICATIONS)
        if (!device.notificationsAllowed()) {
            return PushCheckResult.Failed(
                PushCheckStep.NOTIFICATIONS,
                "Notifications are turned off for this app. Turn them on in the system settings.",
            )
        }
        onStep(PushCheckStep.TOKEN)
        val token =
            try {
                device.token()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                return PushCheckResult.Failed(
                    PushCheckStep.TOKEN,
                    "This device has no push token: ${e.message ?: e.javaClass.simpleName}",
                )
            }
        onStep(PushCheckStep.SERVER)
        return coroutineScope {
            // Listen before asking, so a push faster than the server's answer is not missed.
            val arrivals = Channel<PushDecision.TestArrived>(Channel.UNLIMITED)
            val listening = launch(start = CoroutineStart.UNDISPATCHED) { device.testPushes.collect(arrivals::send) }
            try {
                val askedAt = now()
                val outcome =
                    try {
                        server.registerPushToken(token)
                        server.sendTestPush(token)
                    } catch (e: CoreException) {
                        return@coroutineScope PushCheckResult.Failed(PushCheckStep.SERVER, serverProblem(e))
                    }
                if (outcome !is TestPushOutcome.Sent) return@coroutineScope failure(outcome)
                onStep(PushCheckStep.DELIVERY)
                val received =
                    withTimeoutOrNull(deliveryTimeoutMs) {
                        var push = arrivals.receive()
                        while (push.pushId != outcome.pushId) push = arrivals.receive()
                        push
                    }
                if (received == null) {
                    PushCheckResult.Failed(
                        PushCheckStep.DELIVERY,
                        "The server sent a test push but it did not arrive within ${deliveryTimeoutMs / 1000} s. " +
                            "Battery and data savers can hold pushes back.",
                    )
                } else {
                    PushCheckResult.Passed(roundTripMs = (received.receivedAtMs - askedAt).coerceAtLeast(0))
                }
            } finally {
                listening.cancel()
            }
        }
    }

    private fun serverProblem(e: CoreException): String =
        when (e) {
            is CoreException.Offline -> "The server cannot be reached: ${e.message}"
            is CoreException.Unauthorized,
            is CoreException.SignedOut -> "You are signed out: sign in again."
            else -> "The server refused the test: ${e.message}"
        }

    private fun failure(outcome: TestPushOutcome): PushCheckResult.Failed =
        when (outcome) {
            is TestPushOutcome.NotRegistered -> PushCheckResult.Failed(PushCheckStep.SERVER, outcome.message)
            is TestPushOutcome.PushDisabled ->
                PushCheckResult.Failed(PushCheckStep.SERVER, "Push notifications are off on this server.")
            is TestPushOutcome.TokenRejected ->
                PushCheckResult.Failed(PushCheckStep.FCM, "FCM no longer accepts this device's token.")
            is TestPushOutcome.FcmFailed -> PushCheckResult.Failed(PushCheckStep.FCM, outcome.message)
            is TestPushOutcome.Sent -> error("not a failure")
        }

    companion object {
        const val DELIVERY_TIMEOUT_MS = 20_000L
    }
}
