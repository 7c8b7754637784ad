package support.customerservice.client

import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/** The server goes away and comes back on the same port and data. */
class OfflineTest : ServerTest() {

    @Test
    fun `work done offline shows as pending and is sent once the server is back`() = coreTest {
        val department = server.createDepartment("Support")
        openCore().use { core ->
            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            val states = core.syncStateFlow().probe()
            states.awaitMatching("live") { it == SyncState.LIVE }
            val tickets = core.ticketsFlow().probe()

            server.stop()
            states.awaitMatching("offline") { it == SyncState.OFFLINE }

            val ticket = core.createTicket(department, "Offline ticket", "Written in a tunnel")
            val message = core.sendMessage(ticket.id, "Still there?")
            assertEquals(SendState.Pending, ticket.sendState)
            assertEquals(SendState.Pending, message.sendState)

            // Shown at once from the cache alone: the server is down.
            val cached = withTimeout(2.seconds) { core.ticketsFlow().first() }
            assertEquals(listOf(ticket.id), cached.map { it.id })
            assertEquals(SendState.Pending, cached.single().sendState)
            tickets.awaitMatching("the pending ticket in the list") { list ->
                list.singleOrNull()?.sendState == SendState.Pending
            }
            val detail = core.ticketFlow(ticket.id).probe()
            val pending = detail.next("the pending ticket's detail, at once", timeout = 2.seconds)
            assertEquals(listOf("Written in a tunnel", "Still there?"), pending.messages.map { it.body })
            assertTrue(pending.messages.all { it.sendState == SendState.Pending }, "$pending")
            assertEquals(2L, core.pendingCount(), "the ticket and the message wait in the outbox")

            server.start()
            core.reconnectNow()
            states.awaitMatching("live again") { it == SyncState.LIVE }
            val sent =
                tickets.awaitMatching("the ticket sent, with a number") { list ->
                    list.singleOrNull()?.let { it.sendState == SendState.Sent && it.number != null } == true
                }
            assertEquals(ticket.id, sent.single().id)
            val delivered =
                detail.awaitMatching("both messages sent") { d ->
                    d.messages.size == 2 && d.messages.all { it.sendState == SendState.Sent }
                }
            assertEquals(listOf("Written in a tunnel", "Still there?"), delivered.messages.map { it.body })
            assertEquals(0L, core.pendingCount())

            // Once each, in order, on the server.
            val token = server.login("ann@x.example")
            assertEquals(listOf("Written in a tunnel", "Still there?"), server.messageBodies(ticket.id, token))
        }
    }
}
