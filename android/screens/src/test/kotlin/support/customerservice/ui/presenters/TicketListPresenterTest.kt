package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.Priority
import support.customerservice.core.SendState
import support.customerservice.core.SlaFilter
import support.customerservice.core.SlaPolicyInfo
import support.customerservice.core.SlaState
import support.customerservice.core.SlaTargetItem
import support.customerservice.core.SyncState
import support.customerservice.core.TicketChanges
import support.customerservice.core.TicketSort
import support.customerservice.core.TicketStatus
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.tickets.AssigneeFilter
import support.customerservice.ui.tickets.QueueCounts
import support.customerservice.ui.tickets.QueueFilter
import support.customerservice.ui.tickets.TicketListEvent
import support.customerservice.ui.tickets.TicketListPresenter
import support.customerservice.ui.tickets.TicketListState

class TicketListPresenterTest : ScreensTest() {

    /** Billing's queue as Bea (an agent) sees it. */
    private class Queue(val bea: CustomerServiceCore, val refund: String, val invoice: String, val card: String)

    /**
     * Three billing tickets: the refund is Bea's, in progress and high; the invoice is urgent and Cid's (changed first,
     * so the refund is the most recently updated); the card is open, normal and nobody's. A fourth ticket is in the
     * technical department, which Bea doesn't see.
     */
    private suspend fun CoreTest.queue(): Queue {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val refund = sentTicket(ann, billing, "Refund for a double charge").id
        val invoice = sentTicket(ann, billing, "Invoice address is wrong").id
        val card = sentTicket(ann, billing, "Card declined at checkout").id
        sentTicket(ann, tech, "App crashes on start")
        staff("Cid Agent")
        val bea = openCore("bea")
        val me = bea.signIn(staff("Bea Agent"), TestServer.PASSWORD)
        val cid =
            bea.colleaguesFlow()
                .probe()
                .awaitMatching("Cid among the colleagues") { c -> c.any { it.name == "Cid Agent" } }
                .first { it.name == "Cid Agent" }
        awaitTicket(bea, card, "the queue cached") { true }

        bea.updateTicket(invoice, TicketChanges(null, Priority.URGENT, cid.id, false, null))
        awaitTicket(bea, invoice, "the invoice Cid's") {
            it.ticket.sendState == SendState.Sent && it.ticket.assigneeId == cid.id
        }
        bea.updateTicket(refund, TicketChanges(TicketStatus.IN_PROGRESS, Priority.HIGH, me.id, false, null))
        awaitTicket(bea, refund, "the refund Bea's") {
            it.ticket.sendState == SendState.Sent && it.ticket.assigneeId == me.id
        }
        return Queue(bea, refund, invoice, card)
    }

    private fun queuePresenter(q: Queue) = TicketListPresenter(q.bea, scope, staff = true)

    /** Waits until the list shows exactly [ids], in that order, under [filter]. */
    private suspend fun CoreTest.shows(
        presenter: TicketListPresenter,
        filter: QueueFilter,
        vararg ids: String,
    ): TicketListState =
        presenter.state.probe().awaitMatching("the list under $filter") { s ->
            !s.loading &&
                s.filter == filter &&
                s.tickets.map { it.id } == ids.toList() &&
                (!s.staff || s.counts.filter == filter)
        }

    private fun statusCounts(all: Int, open: Int, inProgress: Int, resolved: Int = 0, closed: Int = 0) =
        mapOf(
            null to all,
            TicketStatus.OPEN to open,
            TicketStatus.IN_PROGRESS to inProgress,
            TicketStatus.RESOLVED to resolved,
            TicketStatus.CLOSED to closed,
        )

    private fun assigneeCounts(anyone: Int, me: Int, unassigned: Int) =
        mapOf(AssigneeFilter.ANYONE to anyone, AssigneeFilter.ME to me, AssigneeFilter.UNASSIGNED to unassigned)

    @Test
    fun `a customer's list loads, then shows only their own tickets with the last message`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val printer = sentTicket(ann, billing, "Printer", "It jams.")
        val invoice = sentTicket(ann, billing, "Invoice", "Wrong address.")
        sentTicket(openCore("bob").also { it.registerCustomer("Bob") }, billing, "Bob's ticket")

        val presenter =
            startHeld(scope, { TicketListPresenter(ann, it, staff = false) }) {
                with(it.state.value) {
                    assertTrue(loading)
                    assertEquals(emptyList(), tickets)
                    assertFalse(staff)
                }
            }
        val loaded = shows(presenter, QueueFilter(), invoice.id, printer.id)
        assertEquals(listOf("Wrong address.", "It jams."), loaded.tickets.map { it.lastMessage })
        assertEquals(QueueCounts(), loaded.counts, "a customer has no queue counts")

        val bea = openCore("bea").also { it.signIn(staff("Bea Agent"), TestServer.PASSWORD) }
        awaitTicket(bea, printer.id, "the ticket at Bea's") { true }
        bea.sendMessage(printer.id, "Have you tried turning it off?")
        val replied =
            presenter.state.probe().awaitMatching("the reply as the printer's last message") { s ->
                s.tickets.firstOrNull()?.lastMessage == "Have you tried turning it off?"
            }
        assertEquals(
            listOf(printer.id, invoice.id),
            replied.tickets.map { it.id },
            "the printer is the most recent now",
        )
        assertEquals(1u, replied.tickets.first().unreadCount)
    }

    @Test
    fun `staff see their department's queue with counts per status and assignee`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)

        val s = shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        assertTrue(s.staff)
        assertFalse(s.filtered)
        assertEquals(statusCounts(all = 3, open = 2, inProgress = 1), s.counts.byStatus)
        assertEquals(assigneeCounts(anyone = 3, me = 1, unassigned = 1), s.counts.byAssignee)
    }

    @Test
    fun `the status filter narrows the queue and the assignee counts follow`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        presenter.onEvent(TicketListEvent.SetStatus(TicketStatus.OPEN))

        val open = shows(presenter, QueueFilter(status = TicketStatus.OPEN), q.invoice, q.card)
        assertTrue(open.filtered)
        assertEquals(assigneeCounts(anyone = 2, me = 0, unassigned = 1), open.counts.byAssignee)
        assertEquals(statusCounts(all = 3, open = 2, inProgress = 1), open.counts.byStatus, "each status still counted")

        presenter.onEvent(TicketListEvent.SetStatus(TicketStatus.CLOSED))
        shows(presenter, QueueFilter(status = TicketStatus.CLOSED))

        presenter.onEvent(TicketListEvent.SetStatus(null))
        val all = shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)
        assertFalse(all.filtered)
    }

    @Test
    fun `the priority filter narrows the queue and both counts follow`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        presenter.onEvent(TicketListEvent.SetPriority(Priority.URGENT))

        val urgent = shows(presenter, QueueFilter(priority = Priority.URGENT), q.invoice)
        assertTrue(urgent.filtered)
        assertEquals(statusCounts(all = 1, open = 1, inProgress = 0), urgent.counts.byStatus)
        assertEquals(assigneeCounts(anyone = 1, me = 0, unassigned = 0), urgent.counts.byAssignee)

        presenter.onEvent(TicketListEvent.SetPriority(null))
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)
    }

    @Test
    fun `mine and unassigned show my tickets and nobody's`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        presenter.onEvent(TicketListEvent.SetAssignee(AssigneeFilter.ME))
        val mine = shows(presenter, QueueFilter(assignee = AssigneeFilter.ME), q.refund)
        assertEquals(statusCounts(all = 1, open = 0, inProgress = 1), mine.counts.byStatus)

        presenter.onEvent(TicketListEvent.SetAssignee(AssigneeFilter.UNASSIGNED))
        val nobodys = shows(presenter, QueueFilter(assignee = AssigneeFilter.UNASSIGNED), q.card)
        assertEquals(statusCounts(all = 1, open = 1, inProgress = 0), nobodys.counts.byStatus)
        assertEquals(assigneeCounts(anyone = 3, me = 1, unassigned = 1), nobodys.counts.byAssignee)

        presenter.onEvent(TicketListEvent.SetAssignee(AssigneeFilter.ANYONE))
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)
    }

    @Test
    fun `a search finds tickets by their subject`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        presenter.onEvent(TicketListEvent.SetQuery("invoice"))
        val found = shows(presenter, QueueFilter(query = "invoice"), q.invoice)
        assertTrue(found.filtered)
        assertEquals(statusCounts(all = 1, open = 1, inProgress = 0), found.counts.byStatus)

        presenter.onEvent(TicketListEvent.SetQuery("nothing like this"))
        shows(presenter, QueueFilter(query = "nothing like this"))

        presenter.onEvent(TicketListEvent.SetQuery("  "))
        shows(presenter, QueueFilter(query = "  "), q.refund, q.invoice, q.card)
    }

    @Test
    fun `sorting by priority puts the most pressing first`() = coreTest {
        val q = queue()
        val presenter = queuePresenter(q)
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)

        presenter.onEvent(TicketListEvent.SetSort(TicketSort.PRIORITY))

        val sorted = shows(presenter, QueueFilter(sort = TicketSort.PRIORITY), q.invoice, q.refund, q.card)
        assertFalse(sorted.filtered, "sorting hides nothing")

        presenter.onEvent(TicketListEvent.SetSort(TicketSort.UPDATED))
        shows(presenter, QueueFilter(), q.refund, q.invoice, q.card)
    }

    @Test
    fun `due soonest and at risk follow the department's service-level targets`() = coreTest {
        val sue = openCore("sue")
        sue.signIn(staff("Sue Supervisor", role = "supervisor"), TestServer.PASSWORD)
        // Around the clock: a normal ticket's first response is due within the hour (at risk at once), a high one's
        // in ten hours; low has no target.
        sue.setSlaPolicy(
            billing,
            SlaPolicyInfo(
                "UTC",
                emptyList(),
                emptyList(),
                listOf(SlaTargetItem(Priority.NORMAL, 60u, null), SlaTargetItem(Priority.HIGH, 600u, 2400u)),
            ),
        )
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val refund = sentTicket(ann, billing, "Refund for a double charge").id
        val invoice = sentTicket(ann, billing, "Invoice address is wrong").id
        val card = sentTicket(ann, billing, "Card declined at checkout").id
        val bea = openCore("bea")
        bea.signIn(staff("Bea Agent"), TestServer.PASSWORD)
        awaitTicket(bea, card, "the queue cached") { true }
        for ((id, priority) in listOf(refund to Priority.HIGH, invoice to Priority.LOW)) {
            bea.updateTicket(id, TicketChanges(null, priority, null, false, null))
            awaitTicket(bea, id, "re-prioritised") { it.ticket.sendState == SendState.Sent }
        }
        val presenter = TicketListPresenter(bea, scope, staff = true)

        presenter.onEvent(TicketListEvent.SetSort(TicketSort.DUE))
        val due = shows(presenter, QueueFilter(sort = TicketSort.DUE), card, refund, invoice)
        assertEquals(listOf(SlaState.AT_RISK, SlaState.ON_TRACK, SlaState.NONE), due.tickets.map { it.sla.state })

        presenter.onEvent(TicketListEvent.SetSla(SlaFilter.AT_RISK))
        val atRisk = shows(presenter, QueueFilter(sort = TicketSort.DUE, sla = SlaFilter.AT_RISK), card)
        assertTrue(atRisk.filtered)
        presenter.onEvent(TicketListEvent.SetSla(SlaFilter.BREACHED))
        shows(presenter, QueueFilter(sort = TicketSort.DUE, sla = SlaFilter.BREACHED))
    }

    @Test
    fun `the sync state goes live, then offline when the server stops`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val presenter = TicketListPresenter(ann, scope, staff = false)
        val states = presenter.state.probe()
        states.awaitMatching("live") { it.sync == SyncState.LIVE }

        server.stop()

        states.awaitMatching("offline") { it.sync == SyncState.OFFLINE }
    }

    @Test
    fun `refresh ends live, with no error`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val presenter = TicketListPresenter(ann, scope, staff = false)
        presenter.state.probe().awaitMatching("live") { it.sync == SyncState.LIVE }

        presenter.onEvent(TicketListEvent.Refresh)

        assertTrue(presenter.state.value.refreshing)
        val done = presenter.state.probe().awaitMatching("refreshed") { !it.refreshing }
        assertNull(done.error)
    }

    @Test
    fun `refresh reconnects at once when the server is back`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val presenter = TicketListPresenter(ann, scope, staff = false)
        val states = presenter.state.probe()
        states.awaitMatching("live") { it.sync == SyncState.LIVE }
        server.stop()
        states.awaitMatching("offline") { it.sync == SyncState.OFFLINE }
        server.start()

        presenter.onEvent(TicketListEvent.Refresh)

        val done = presenter.state.probe().awaitMatching("refreshed", timeout = 8.seconds) { !it.refreshing }
        assertNull(done.error)
        presenter.state.probe().awaitMatching("live again") { it.sync == SyncState.LIVE }
    }

    @Test
    fun `refresh with the server down ends with the saved tickets and an error that can be dismissed`() = coreTest {
        val ann = openCore("ann").also { it.registerCustomer("Ann") }
        val ticket = sentTicket(ann, billing, "Printer")
        val presenter = TicketListPresenter(ann, scope, staff = false)
        val states = presenter.state.probe()
        states.awaitMatching("live") { it.sync == SyncState.LIVE }
        server.stop()
        states.awaitMatching("offline") { it.sync == SyncState.OFFLINE }

        presenter.onEvent(TicketListEvent.Refresh)

        assertTrue(presenter.state.value.refreshing)
        val done = presenter.state.probe().awaitMatching("the refresh given up") { !it.refreshing }
        assertEquals("Couldn't refresh: the server can't be reached.", done.error)
        assertEquals(listOf(ticket.id), done.tickets.map { it.id })

        presenter.onEvent(TicketListEvent.DismissError)
        assertNull(presenter.state.value.error)
    }
}
