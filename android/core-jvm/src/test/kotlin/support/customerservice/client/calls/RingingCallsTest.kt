package support.customerservice.client.calls

import kotlin.test.assertEquals
import org.junit.jupiter.api.Test
import support.customerservice.core.CallDirection
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase

class RingingCallsTest {
    private val calls = RingingCalls()

    private fun call(id: String, phase: CallPhase, direction: CallDirection = CallDirection.INCOMING) =
        CallInfo(id, "t1", direction, phase, "Ann", "No sound", false)

    @Test
    fun `an incoming call rings once and stops when it leaves ringing`() {
        assertEquals(listOf("c1"), calls.update(listOf(call("c1", CallPhase.Ringing))).ring.map { it.id })
        assertEquals(emptyList(), calls.update(listOf(call("c1", CallPhase.Ringing))).ring, "not twice")
        val ended = calls.update(listOf(call("c1", CallPhase.Ended("answered_elsewhere"))))
        assertEquals(listOf("c1"), ended.stop)
        assertEquals(emptyList(), calls.update(listOf(call("c1", CallPhase.Ended("answered_elsewhere")))).stop)
    }

    @Test
    fun `outgoing calls never ring this device`() {
        val change = calls.update(listOf(call("c1", CallPhase.Ringing, CallDirection.OUTGOING)))
        assertEquals(RingingChange(emptyList(), emptyList()), change)
    }

    @Test
    fun `a call a push rang is not rung again by the socket, and still stops`() {
        calls.markRinging("c1")
        assertEquals(emptyList(), calls.update(listOf(call("c1", CallPhase.Ringing))).ring)
        assertEquals(listOf("c1"), calls.update(listOf(call("c1", CallPhase.Connected))).stop)
    }

    @Test
    fun `a call a push rang that the core does not know yet is not stopped`() {
        calls.markRinging("c1")
        assertEquals(emptyList(), calls.update(emptyList()).stop)
    }

    @Test
    fun `a call declined here does not ring again while the core still shows it ringing`() {
        calls.update(listOf(call("c1", CallPhase.Ringing)))
        calls.finish("c1")
        assertEquals(RingingChange(emptyList(), emptyList()), calls.update(listOf(call("c1", CallPhase.Ringing))))
    }
}
