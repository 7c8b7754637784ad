package support.customerservice.ui.presenters

import java.time.LocalDate
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.UserInfo
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.preview.Fixtures
import support.customerservice.ui.report.NoticeKind
import support.customerservice.ui.report.ReportEvent
import support.customerservice.ui.report.ReportExporter
import support.customerservice.ui.report.ReportPresenter
import support.customerservice.ui.report.ReportRange
import support.customerservice.ui.report.ReportState

/** The daily report dashboard against a real server, whose report job runs every 100 ms in tests. */
class ReportPresenterTest : ScreensTest() {

    @Test
    fun `export is offered only once a report shows`() {
        assertTrue(Fixtures.report7.exportEnabled)
        assertFalse(Fixtures.reportError.exportEnabled, "offline with nothing saved: the CSV could only fail")
        assertFalse(Fixtures.report7.copy(exporting = true).exportEnabled)
        assertFalse(Fixtures.report7.copy(canExport = false).exportEnabled)
    }

    private suspend fun signIn(who: String, email: String): Pair<CustomerServiceCore, UserInfo> {
        val core = openCore(who)
        return core to core.signIn(email, TestServer.PASSWORD)
    }

    /** The state once the request under way has been answered. */
    private suspend fun ReportPresenter.answered(): ReportState =
        withTimeoutOrNull(20.seconds) { state.first { !it.loading } } ?: fail("no answer; last: ${state.value}")

    /**
     * Refreshes until the report satisfies [predicate]: the server's report job takes changes in after a moment, so
     * this polls (each refresh waits for its answer, and the next comes a job period later).
     */
    private suspend fun ReportPresenter.awaitReport(what: String, predicate: (ReportState) -> Boolean): ReportState =
        withTimeoutOrNull(20.seconds) {
            var s = answered()
            while (!predicate(s)) {
                delay(100)
                onEvent(ReportEvent.Refresh)
                s = answered()
            }
            s
        } ?: fail("timed out waiting for $what; last: ${state.value}")

    private fun week(today: LocalDate = LocalDate.now()) = today.minusDays(6).toString() to today.toString()

    @Test
    fun `a supervisor sees the customer's new tickets counted, and the CSV goes to the exporter`() = coreTest {
        val (sue, me) = signIn("sue", staff("Sue Visor", role = "supervisor"))
        val ann = openCore("ann")
        ann.registerCustomer("Ann")
        val exported = mutableListOf<Pair<String, String>>()
        val p =
            ReportPresenter(
                sue,
                scope,
                me,
                exporter = ReportExporter { name, csv -> "/downloads/$name".also { exported += name to csv } },
            )
        val first = p.answered()
        assertEquals(week(), first.from to first.to)
        assertEquals(0L, first.report!!.total.opened)
        assertEquals(7, first.report.days.size)
        assertFalse(first.cached)
        assertNull(first.notice)

        sentTicket(ann, billing, "Refund", "Charged twice")
        sentTicket(ann, billing, "Invoice address", "It is wrong")
        sentTicket(ann, tech, "Router", "Not my department's") // another department's
        val counted = p.awaitReport("both tickets counted") { it.report?.total?.opened == 2L }
        val report = counted.report!!
        assertEquals(billing, report.departmentId)
        assertEquals("Billing", counted.departmentName)
        assertEquals(week(), report.from to report.to)
        assertEquals(2L, report.days.sumOf { it.figures.opened })
        assertTrue(report.asOfMs > 0)

        p.onEvent(ReportEvent.ExportCsv)
        val done =
            withTimeoutOrNull(20.seconds) { p.state.first { it.exportMessage != null } } ?: fail("no export message")
        val (name, csv) = exported.single()
        assertEquals("daily-report-billing-${report.from}-${report.to}.csv", name)
        assertEquals("Saved the CSV to /downloads/$name", done.exportMessage)
        assertFalse(done.exporting)
        // A header, then a row per day with something to count (no agent) and per day and agent.
        val rows = csv.lines().filter { it.isNotBlank() }.map { it.split(',') }
        assertEquals(listOf("day", "agent_id", "agent", "opened"), rows.first().take(4), csv)
        assertEquals(2L, rows.drop(1).filter { it[1].isEmpty() }.sumOf { it[3].toLong() }, csv)
        p.onEvent(ReportEvent.DismissExport)
        assertNull(p.state.value.exportMessage)
    }

    @Test
    fun `offline, the saved report shows with the time it is from, also for another range`() = coreTest {
        val (sue, me) = signIn("sue", staff("Sue Visor", role = "supervisor"))
        val ann = openCore("ann")
        ann.registerCustomer("Ann")
        sentTicket(ann, billing, "Refund", "Charged twice")
        val online = ReportPresenter(sue, scope, me)
        val read = online.awaitReport("the ticket counted") { it.report?.total?.opened == 1L }.report!!
        online.close()

        server.stop()
        val p = ReportPresenter(sue, scope, me)
        val offline = p.answered()
        assertEquals(read, offline.report, "the saved copy, as it was read")
        assertTrue(offline.cached)
        assertEquals(NoticeKind.OFFLINE, offline.noticeKind)
        assertTrue(offline.notice!!.startsWith("Offline — showing the report as of "), offline.notice)

        // Another range cannot be read: the saved one stays, saying which days it covers.
        p.onEvent(ReportEvent.ChooseRange(ReportRange.MONTH))
        val other = p.answered()
        assertEquals(ReportRange.MONTH, other.range)
        assertEquals(read, other.report)
        assertTrue(other.notice!!.startsWith("Offline — showing the report as of "), other.notice)
        assertTrue(other.notice.endsWith(")"), "names the saved days: ${other.notice}")

        // Back online, a refresh brings the chosen range.
        server.start()
        p.onEvent(ReportEvent.Refresh)
        val fresh = p.awaitReport("the 30 days") { it.report?.days?.size == 30 }
        assertFalse(fresh.cached)
        assertNull(fresh.notice)
        assertEquals(1L, fresh.report!!.total.opened)
    }

    @Test
    fun `an agent is told who may read the report`() = coreTest {
        val (bea, me) = signIn("bea", staff("Bea Agent"))
        awaitLive(bea)
        val p = ReportPresenter(bea, scope, me)
        val refused = p.answered()
        assertNull(refused.report)
        assertEquals(NoticeKind.REFUSED, refused.noticeKind)
        assertEquals("Only the department's supervisors and admins can see its daily report.", refused.notice)
    }

    @Test
    fun `a range change reads the report again for the days ending today`() = coreTest {
        val (sue, me) = signIn("sue", staff("Sue Visor", role = "supervisor"))
        val today = LocalDate.of(2026, 3, 15)
        val p = ReportPresenter(sue, scope, me, today = { today })
        val week = p.answered()
        assertEquals("2026-03-09" to "2026-03-15", week.from to week.to)
        assertEquals(7, week.report!!.days.size)

        p.onEvent(ReportEvent.ChooseRange(ReportRange.MONTH))
        assertEquals("2026-02-14" to "2026-03-15", p.state.value.from to p.state.value.to)
        val month = p.answered().report!!
        assertEquals("2026-02-14" to "2026-03-15", month.from to month.to)
        assertEquals(30, month.days.size)
        assertEquals("2026-02-14", month.days.first().day)

        p.onEvent(ReportEvent.ChooseRange(ReportRange.QUARTER))
        val quarter = p.answered()
        assertEquals(ReportRange.QUARTER, quarter.range)
        assertEquals("2025-12-16" to "2026-03-15", quarter.report!!.from to quarter.report.to)
        assertEquals(90, quarter.report.days.size)
    }

    @Test
    fun `an admin reads the first department's report and picks another`() = coreTest {
        val (admin, me) = signIn("admin", TestServer.ADMIN_EMAIL)
        val ann = openCore("ann")
        ann.registerCustomer("Ann")
        sentTicket(ann, tech, "Router", "It blinks")
        val p = ReportPresenter(admin, scope, me)
        val first = p.answered()
        assertTrue(first.picksDepartment)
        assertEquals(listOf("Billing", "Technical support"), first.departments.map { it.name }.sorted())
        val chosen = assertNotNull(first.departmentId)
        assertEquals(chosen, first.report?.departmentId)

        p.onEvent(ReportEvent.ChooseDepartment(tech))
        val techReport = p.awaitReport("the router ticket counted") { it.report?.total?.opened == 1L }
        assertEquals(tech, techReport.departmentId)
        assertEquals(tech, techReport.report!!.departmentId)
        assertEquals("Technical support", techReport.departmentName)
    }
}
