package support.customerservice.testing

import kotlin.test.fail
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.plus
import kotlinx.coroutines.test.TestResult
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Runs a test against the real core. The body runs on [Dispatchers.Default] so that its timeouts are wall-clock time:
 * the core answers from its own threads, and the test scheduler's virtual time would fire every `withTimeout` at once.
 * Flows are probed in the test's background scope, cancelled when the test ends.
 */
fun coreTest(limit: Duration = 2.minutes, body: suspend CoreTest.() -> Unit): TestResult =
    runTest(timeout = limit) {
        val test = CoreTest(backgroundScope + Dispatchers.Default)
        withContext(Dispatchers.Default) { test.body() }
    }

class CoreTest(private val background: CoroutineScope) {
    /** A scope for work the test starts (on real threads), cancelled when the test ends. */
    val scope: CoroutineScope
        get() = background

    /** Starts collecting this flow now, keeping every value for the test to check. */
    fun <T : Any> Flow<T>.probe(): FlowProbe<T> = FlowProbe(this, background)
}

/** A flow collected in the background, read value by value with a timeout. */
class FlowProbe<T : Any>(flow: Flow<T>, scope: CoroutineScope) {
    private val values = Channel<T>(Channel.UNLIMITED)
    private var last: T? = null

    init {
        scope.launch { flow.collect { values.send(it) } }
    }

    /** The next value, which must come within [timeout]. */
    suspend fun next(what: String, timeout: Duration = 5.seconds): T {
        val value = withTimeoutOrNull(timeout) { values.receive() } ?: fail("no value within $timeout: expected $what")
        last = value
        return value
    }

    /** Skips values until one satisfies [predicate] (within [timeout]) and returns it. */
    suspend fun awaitMatching(what: String, timeout: Duration = 20.seconds, predicate: (T) -> Boolean): T =
        withTimeoutOrNull(timeout) {
            var value: T
            do {
                value = values.receive()
                last = value
            } while (!predicate(value))
            value
        } ?: fail("timed out after $timeout waiting for $what; last value: $last")
}
