package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Test
import support.customerservice.core.OutboxKind
import support.customerservice.core.Priority
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketChanges
import support.customerservice.core.TicketStatus
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.outbox.OutboxEvent
import support.customerservice.ui.outbox.OutboxPresenter
import support.customerservice.ui.outbox.OutboxState

class OutboxPresenterTest : ScreensTest() {

    private suspend fun CoreTest.settled(presenter: OutboxPresenter): OutboxState =
        presenter.state.probe().awaitMatching("nothing waiting") { s ->
            !s.loading && s.items.none { it.state == SendState.Pending }
        }

    /** Sets a ticket's status on the server as [email] would from elsewhere. */
    private fun setStatusOnServer(ticketId: String, email: String, status: String) {
        val token = server.login(email)
        val version = server.ticket(ticketId, token).getValue("version").jsonPrimitive.content.toLong()
        server.call(
            "PATCH",
            "/v1/tickets/$ticketId",
            token,
            buildJsonObject {
                put("status", status)
                put("version", version)
            },
        )
    }

    @Test
    fun `a message written offline shows as a pending item until it is sent`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val ticket = sentTicket(ann, billing, "Printer")
        val presenter = startHeld(scope, { OutboxPresenter(ann, it) }) { assertTrue(it.state.value.loading) }
        assertEquals(emptyList(), presenter.state.probe().awaitMatching("the outbox read") { !it.loading }.items)
        server.stop()
        presenter.state.probe().awaitMatching("offline") { it.sync == SyncState.OFFLINE }

        ann.sendMessage(ticket.id, "Still there?")

        val waiting =
            presenter.state.probe().awaitMatching("the message waiting") { it.items.isNotEmpty() }.items.single()
        assertEquals(OutboxKind.SEND_MESSAGE, waiting.kind)
        assertEquals(ticket.id, waiting.ticketId)
        assertEquals("Still there?", waiting.summary)
        assertEquals(SendState.Pending, waiting.state)

        server.start()
        ann.reconnectNow()
        presenter.state.probe().awaitMatching("sent, and the outbox empty") {
            it.sync == SyncState.LIVE && it.items.isEmpty()
        }
        assertEquals(
            listOf("Please help.", "Still there?"),
            server.messageBodies(ticket.id, server.login(customerEmail("Ann"))),
        )
    }

    @Test
    fun `a stale change the server refused shows as failed and can be discarded`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val ticket = sentTicket(ann, billing, "Printer")
        val staff =
            listOf("Bea Agent", "Cid Agent").map { name ->
                openCore(name).also { core ->
                    core.signIn(staff(name), TestServer.PASSWORD)
                    awaitTicket(core, ticket.id, "the ticket at $name's") { true }
                }
            }
        val (bea, cid) = staff
        val outboxes = staff.associateWith { OutboxPresenter(it, scope) }
        server.stop()
        staff.forEach { awaitOffline(it) }

        // Both change the priority of version 1: the server takes one, refuses the other.
        bea.updateTicket(ticket.id, TicketChanges(null, Priority.HIGH, null, false, null))
        cid.updateTicket(ticket.id, TicketChanges(null, Priority.URGENT, null, false, null))
        server.start()
        staff.forEach { it.reconnectNow() }
        val after = staff.associateWith { settled(outboxes.getValue(it)) }

        val (loser, refused) = after.entries.single { it.value.items.isNotEmpty() }
        val item = refused.items.single()
        assertEquals(OutboxKind.UPDATE_TICKET, item.kind)
        val reason = (item.state as SendState.Failed).reason
        assertTrue("conflict" in reason, reason)
        val winner = staff.single { it != loser }
        val won =
            awaitTicket(winner, ticket.id, "the winner's change sent") { it.ticket.sendState == SendState.Sent }
                .ticket
                .priority

        outboxes.getValue(loser).onEvent(OutboxEvent.Discard(item.id))

        outboxes.getValue(loser).state.probe().awaitMatching("the refusal gone") { it.items.isEmpty() }
        awaitTicket(loser, ticket.id, "the server's priority shown") { d ->
            d.ticket.priority == won && d.ticket.sendState == SendState.Sent
        }
        assertEquals(
            won.name.lowercase(),
            server.ticket(ticket.id, server.login(customerEmail("Ann"))).text("priority"),
        )
    }

    @Test
    fun `a refused message is sent again on retry once the cause is gone`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val ticket = sentTicket(ann, billing, "Printer")
        val bea = staff("Bea Agent")
        val presenter = OutboxPresenter(ann, scope)
        setStatusOnServer(ticket.id, bea, "closed")
        awaitTicket(ann, ticket.id, "the ticket closed at Ann's") { it.ticket.status == TicketStatus.CLOSED }

        ann.sendMessage(ticket.id, "One more thing")

        val item =
            presenter.state
                .probe()
                .awaitMatching("the message refused") { s -> s.items.singleOrNull()?.state is SendState.Failed }
                .items
                .single()
        assertEquals(OutboxKind.SEND_MESSAGE, item.kind)
        assertTrue("closed" in (item.state as SendState.Failed).reason, "${item.state}")

        setStatusOnServer(ticket.id, bea, "open")
        presenter.onEvent(OutboxEvent.Retry(item.id))

        presenter.state.probe().awaitMatching("sent on retry") { it.items.isEmpty() }
        assertNull(presenter.state.value.error)
        assertEquals(
            listOf("Please help.", "One more thing"),
            server.messageBodies(ticket.id, server.login(customerEmail("Ann"))),
        )
    }

    @Test
    fun `discarding a change that still waits is refused, and the error can be dismissed`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val presenter = OutboxPresenter(ann, scope)
        awaitLive(ann)
        server.stop()
        awaitOffline(ann)
        ann.createTicket(billing, "Printer", "It jams.")
        val waiting =
            presenter.state.probe().awaitMatching("the ticket waiting") { it.items.isNotEmpty() }.items.single()

        presenter.onEvent(OutboxEvent.Discard(waiting.id))

        val refused = presenter.state.probe().awaitMatching("the discard refused") { it.error != null }
        assertEquals(listOf(waiting.id), refused.items.map { it.id }, "still queued")
        presenter.onEvent(OutboxEvent.DismissError)
        assertNull(presenter.state.value.error)
    }
}
