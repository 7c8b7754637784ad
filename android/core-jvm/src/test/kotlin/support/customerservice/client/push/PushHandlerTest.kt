package support.customerservice.client.push

import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import support.customerservice.core.CallDirection
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase
import support.customerservice.core.PushAction

class PushHandlerTest {
    private var clock = 1_000_000L
    private val handler = PushHandler(now = { clock })

    private fun incoming(pushId: String = "p1", callId: String = "c1", deadline: Long? = clock + 30_000) =
        PushAction.IncomingCall(pushId, callId, "t1", "Ann", "No sound", deadline)

    private fun call(id: String, phase: CallPhase) =
        CallInfo(id, "t1", CallDirection.INCOMING, phase, "Ann", null, false)

    @Test
    fun `an incoming call rings until its deadline`() {
        clock += 0
        val decision = handler.decide(incoming(deadline = clock + 25_000), emptyList())
        assertEquals(PushDecision.Ring("c1", "t1", "Ann", "No sound", 25_000, inAnotherCall = false), decision)
    }

    @Test
    fun `a push delivered twice acts once`() {
        assertIs<PushDecision.Ring>(handler.decide(incoming(), emptyList()))
        assertIs<PushDecision.Ignore>(handler.decide(incoming(), emptyList()))
    }

    @Test
    fun `a call push that arrives after its deadline does not ring`() {
        val late = handler.decide(incoming(deadline = clock - 5), emptyList())
        assertTrue(late is PushDecision.Ignore && "rang out" in late.why, "$late")
        // Less than a second left: not worth raising the screen.
        assertIs<PushDecision.Ignore>(handler.decide(incoming("p2", deadline = clock + 500), emptyList()))
    }

    @Test
    fun `a call push from a server without deadlines rings for the default ring time`() {
        val decision = handler.decide(incoming(deadline = null), emptyList())
        assertEquals(PushHandler.DEFAULT_RING_MS, (decision as PushDecision.Ring).ringForMs)
    }

    @Test
    fun `a stop-ringing push that overtook its call push keeps the call from ringing`() {
        assertEquals(
            PushDecision.StopRinging("c1", "cancelled"),
            handler.decide(PushAction.StopRinging("p9", "c1", "cancelled"), emptyList()),
        )
        assertIs<PushDecision.Ignore>(handler.decide(incoming(), emptyList()))
    }

    @Test
    fun `a call the core already shows answered or ended does not ring again`() {
        for ((i, phase) in listOf(CallPhase.Connected, CallPhase.Ended("answered_elsewhere")).withIndex()) {
            val decision = handler.decide(incoming(pushId = "p$i"), listOf(call("c1", phase)))
            assertIs<PushDecision.Ignore>(decision, "$phase")
        }
        // Still ringing in the core (the socket heard it first): the push still shows the screen.
        assertIs<PushDecision.Ring>(handler.decide(incoming(pushId = "p3"), listOf(call("c1", CallPhase.Ringing))))
    }

    @Test
    fun `a second call during a call rings without taking over the screen`() {
        val decision = handler.decide(incoming(callId = "c2"), listOf(call("c1", CallPhase.Connected)))
        assertEquals(true, (decision as PushDecision.Ring).inAnotherCall)
    }

    @Test
    fun `messages, status changes, rating requests and the self-test push pass through with their ids`() {
        assertEquals(
            PushDecision.NotifyMessage("t1", "m1"),
            handler.decide(PushAction.ShowMessage("p1", "t1", "m1"), emptyList()),
        )
        assertEquals(
            PushDecision.NotifyStatus("t1", "resolved"),
            handler.decide(PushAction.OpenTicket("p2", "t1", "resolved"), emptyList()),
        )
        assertEquals(PushDecision.AskRating("t1"), handler.decide(PushAction.AskRating("p4", "t1"), emptyList()))
        assertEquals(
            PushDecision.NotifySlaBreach("t1", 1005, "resolution"),
            handler.decide(PushAction.SlaBreach("p5", "t1", 1005, "resolution"), emptyList()),
        )
        assertEquals(
            PushDecision.TestArrived("p3", clock - 40, clock),
            handler.decide(PushAction.Test("p3", clock - 40), emptyList()),
        )
    }

    @Test
    fun `only the newest push ids are remembered`() {
        val small = PushHandler(now = { clock }, remembered = 2)
        for (id in listOf("a", "b", "c")) small.decide(PushAction.ShowMessage(id, "t", "m"), emptyList())
        // "a" was forgotten, "c" is still known.
        assertIs<PushDecision.NotifyMessage>(small.decide(PushAction.ShowMessage("a", "t", "m"), emptyList()))
        assertIs<PushDecision.Ignore>(small.decide(PushAction.ShowMessage("c", "t", "m"), emptyList()))
    }
}
