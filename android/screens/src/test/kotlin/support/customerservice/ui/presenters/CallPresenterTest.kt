package support.customerservice.ui.presenters

import kotlin.math.abs
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CallDirection
import support.customerservice.core.CallPhase
import support.customerservice.core.TicketItem
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.call.CallEvent
import support.customerservice.ui.call.CallPresenter
import support.customerservice.ui.call.CallScreenKind
import support.customerservice.ui.call.CallState
import support.customerservice.ui.call.label
import support.customerservice.ui.conversation.TicketEvent
import support.customerservice.ui.conversation.TicketPresenter

class CallPresenterTest : ScreensTest() {

    private lateinit var ann: CustomerServiceCore
    private lateinit var bea: CustomerServiceCore
    private lateinit var beaUser: UserInfo
    private lateinit var ticket: TicketItem

    /** Ann's ticket, seen by Bea (a billing agent); both connected. */
    private suspend fun CoreTest.ticketAndAgent() {
        ann = openCore("ann").also { it.registerCustomer("Ann") }
        ticket = sentTicket(ann, billing, "No sound", "Please call me")
        bea = openCore("bea")
        beaUser = bea.signIn(staff("Bea Agent"), TestServer.PASSWORD)
        awaitTicket(bea, ticket.id, "the ticket at Bea's") { true }
        awaitLive(ann)
        awaitLive(bea)
    }

    /** Bea calls Ann from the ticket's screen, as the app does. */
    private suspend fun CoreTest.beaCalls(audio: TestAudio = TestAudio(440.0)) {
        val screen = TicketPresenter(bea, scope, ticket.id, beaUser, TestPicker(), TestOpener(), audio)
        screen.state.probe().awaitMatching("Bea's ticket screen") { it.detail != null }
        screen.onEvent(TicketEvent.Call)
        val placed = screen.state.probe().awaitMatching("the call placed") { !it.placingCall }
        assertNull(placed.error)
    }

    private suspend fun CoreTest.ringing(presenter: CallPresenter): CallState =
        presenter.state.probe().awaitMatching("ringing") { it.kind == CallScreenKind.INCOMING }

    private suspend fun CoreTest.connected(presenter: CallPresenter): CallState =
        presenter.state.probe().awaitMatching("connected") { it.call?.phase == CallPhase.Connected }

    private fun heardHz(audio: TestAudio): Double = audio.heard.report().dominantHz ?: 0.0

    @Test
    fun `a call from staff rings the customer with the caller's name`() = coreTest {
        ticketAndAgent()
        val customer = CallPresenter(ann, scope, TestAudio(660.0))
        val caller = CallPresenter(bea, scope, TestAudio(440.0))
        assertEquals(CallScreenKind.NONE, customer.state.value.kind)

        beaCalls()

        val call = ringing(customer).call!!
        assertEquals(CallDirection.INCOMING, call.direction)
        assertEquals("Bea Agent", call.callerName)
        assertEquals(ticket.id, call.ticketId)
        assertEquals("Incoming call", call.phase.label(call.direction))
        val outgoing = caller.state.probe().awaitMatching("Bea's call screen") { it.call != null }
        assertEquals(CallScreenKind.IN_CALL, outgoing.kind)
        assertEquals("Ringing…", outgoing.call!!.phase.label(CallDirection.OUTGOING))
    }

    @Test
    fun `accepting connects, counts the seconds, and each side hears the other's tone`() = coreTest {
        ticketAndAgent()
        val annAudio = TestAudio(660.0)
        val beaAudio = TestAudio(440.0)
        val customer = CallPresenter(ann, scope, annAudio)
        beaCalls(beaAudio)
        ringing(customer)

        customer.onEvent(CallEvent.Accept)

        val connected = connected(customer)
        assertEquals(CallScreenKind.IN_CALL, connected.kind)
        customer.state.probe().awaitMatching("two seconds connected") { it.elapsedSeconds >= 2 }
        customer.state.probe().awaitMatching("the call's quality") { it.quality != null }
        val deadline = System.nanoTime() + 15_000_000_000
        while (abs(heardHz(annAudio) - 440.0) > 5.0 || abs(heardHz(beaAudio) - 660.0) > 5.0) {
            assertTrue(
                System.nanoTime() < deadline,
                "tones not heard: Ann ${annAudio.heard.report()}, Bea ${beaAudio.heard.report()}",
            )
            delay(50)
        }
    }

    @Test
    fun `mute toggles on and off`() = coreTest {
        ticketAndAgent()
        val customer = CallPresenter(ann, scope, TestAudio(660.0))
        beaCalls()
        ringing(customer)
        customer.onEvent(CallEvent.Accept)
        assertFalse(connected(customer).call!!.muted)

        customer.onEvent(CallEvent.ToggleMute)
        assertTrue(customer.state.value.call!!.muted)
        customer.onEvent(CallEvent.ToggleMute)
        assertFalse(customer.state.value.call!!.muted)
        assertNull(customer.state.value.error)
    }

    @Test
    fun `hanging up shows the call ended, then clears it and hands back the ticket`() = coreTest {
        ticketAndAgent()
        val endedOn = CompletableDeferred<String>()
        val customer =
            CallPresenter(ann, scope, TestAudio(660.0), onEnded = { endedOn.complete(it) }, endedShowMs = 300)
        val caller = CallPresenter(bea, scope, TestAudio(440.0))
        beaCalls()
        ringing(customer)
        customer.onEvent(CallEvent.Accept)
        connected(customer)
        customer.state.probe().awaitMatching("a second connected") { it.elapsedSeconds >= 1 }

        customer.onEvent(CallEvent.HangUp)

        val ended = customer.state.probe().awaitMatching("the call ended") { it.ended }
        assertEquals(CallPhase.Ended("ended"), ended.call!!.phase)
        assertEquals("Call ended", ended.call!!.phase.label(CallDirection.INCOMING))
        assertTrue(ended.elapsedSeconds >= 1, "the length stays on screen: $ended")
        assertFalse(ended.busy)
        assertEquals(ticket.id, withTimeout(5.seconds) { endedOn.await() })
        assertEquals(CallState(), customer.state.value)
        caller.state.probe().awaitMatching("Bea's call ended") { it.ended }
    }

    @Test
    fun `declining tells the caller`() = coreTest {
        ticketAndAgent()
        val endedOn = CompletableDeferred<String>()
        val customer =
            CallPresenter(ann, scope, TestAudio(660.0), onEnded = { endedOn.complete(it) }, endedShowMs = 300)
        val caller = CallPresenter(bea, scope, TestAudio(440.0))
        beaCalls()
        ringing(customer)

        customer.onEvent(CallEvent.Decline)

        val declined = caller.state.probe().awaitMatching("Bea's call declined") { it.ended }
        assertEquals(CallPhase.Ended("declined"), declined.call!!.phase)
        assertEquals("Declined", declined.call!!.phase.label(CallDirection.OUTGOING))
        assertEquals(ticket.id, withTimeout(5.seconds) { endedOn.await() })
        assertEquals(CallScreenKind.NONE, customer.state.value.kind)
    }
}
