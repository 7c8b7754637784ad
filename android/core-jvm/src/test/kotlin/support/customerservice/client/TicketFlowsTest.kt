package support.customerservice.client

import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.time.Duration.Companion.seconds
import org.junit.jupiter.api.Test
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/** Online use through the Flows: what the ticket list and ticket screens see. */
class TicketFlowsTest : ServerTest() {

    @Test
    fun `a new ticket shows at once as pending, then as sent with a number`() = coreTest {
        val department = server.createDepartment("Support")
        openCore().use { core ->
            val me = core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            val tickets = core.ticketsFlow().probe()
            assertEquals(emptyList(), tickets.next("the cached list, at once", timeout = 2.seconds))

            val created = core.createTicket(department, "Printer", "It jams.")
            assertEquals(SendState.Pending, created.sendState)
            assertNull(created.number, "no number before the server has it")
            assertEquals(me.id, created.customerId)

            val sent =
                tickets
                    .awaitMatching("the ticket sent, with a number") { list ->
                        list.singleOrNull()?.let { it.sendState == SendState.Sent && it.number != null } == true
                    }
                    .single()
            assertEquals(created.id, sent.id)
            assertEquals("Printer", sent.subject)
            assertNotNull(sent.number)
        }
    }

    @Test
    fun `a message shows in the ticket flow, then as sent, and reaches the server`() = coreTest {
        val department = server.createDepartment("Support")
        openCore().use { core ->
            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            core.syncStateFlow().probe().awaitMatching("live") { it == SyncState.LIVE }
            val ticket = core.createTicket(department, "Printer", "It jams.")
            val detail = core.ticketFlow(ticket.id).probe()
            detail.awaitMatching("the ticket with its first message, sent") { d ->
                d.ticket.sendState == SendState.Sent &&
                    d.messages.map { it.body } == listOf("It jams.") &&
                    d.messages.all { it.sendState == SendState.Sent }
            }

            val message = core.sendMessage(ticket.id, "Any news?")
            assertEquals(SendState.Pending, message.sendState)
            val shown =
                detail.awaitMatching("the message, sent") { d ->
                    d.messages.any { it.id == message.id && it.sendState == SendState.Sent }
                }
            assertEquals(listOf("It jams.", "Any news?"), shown.messages.map { it.body })

            val token = server.login("ann@x.example")
            assertEquals(listOf("It jams.", "Any news?"), server.messageBodies(ticket.id, token))
        }
    }
}
