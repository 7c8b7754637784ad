package support.customerservice.client

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import support.customerservice.core.CoreException
import support.customerservice.core.OutboxKind
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/** The outbox item by item, from Kotlin: listing, and discarding a refusal. */
class OutboxTest : ServerTest() {

    @Test
    fun `queued changes are listed one by one and a refused one can be discarded`() = coreTest {
        val department = server.createDepartment("Support")
        openCore().use { core ->
            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            val states = core.syncStateFlow().probe()
            states.awaitMatching("live") { it == SyncState.LIVE }
            server.stop()
            states.awaitMatching("offline") { it == SyncState.OFFLINE }

            val ticket = core.createTicket(department, "Printer", "It jams.")
            // Customers may not write internal notes: the server will refuse this one.
            val note = core.sendMessage(ticket.id, "Secret", internal = true)
            val queued = core.outbox()
            assertEquals(listOf(OutboxKind.CREATE_TICKET, OutboxKind.SEND_MESSAGE), queued.map { it.kind })
            assertTrue(queued.all { it.state == SendState.Pending && it.ticketId == ticket.id }, "$queued")
            assertEquals("Printer", queued.first().summary)
            assertFailsWith<CoreException.Invalid> { core.discardOutboxItem(queued.first().id) }

            server.start()
            core.reconnectNow()
            states.awaitMatching("live again") { it == SyncState.LIVE }
            val detail = core.ticketFlow(ticket.id).probe()
            detail.awaitMatching("the note refused") { d ->
                d.messages.any { it.id == note.id && it.sendState is SendState.Failed }
            }
            val refused = core.outbox().single()
            assertTrue(refused.state is SendState.Failed, "$refused")

            core.discardOutboxItem(refused.id)
            assertEquals(emptyList(), core.outbox())
            detail.awaitMatching("the note gone") { d -> d.messages.none { it.id == note.id } }
        }
    }
}
