package support.customerservice.ui.report

import java.io.IOException
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.DailyReportInfo
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.Role
import support.customerservice.core.UserInfo
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

/**
 * Where the platform puts an exported report (the desktop: the Downloads folder). Called off the main thread; returns
 * where the file went, for the message the screen shows. Throws [IOException] when it could not be written.
 */
fun interface ReportExporter {
    fun export(fileName: String, csv: String): String
}

/** The ranges the dashboard offers: the last [days] days, today included, in the device's calendar. */
enum class ReportRange(val days: Int) {
    WEEK(7),
    MONTH(30),
    QUARTER(90);

    val label: String
        get() = "$days days"

    /** The first and last day (`YYYY-MM-DD`, inclusive) of the range ending [today]. */
    fun dates(today: LocalDate): Pair<String, String> = today.minusDays(days - 1L).toString() to today.toString()
}

data class ReportState(
    val me: UserInfo,
    /** The department whose report shows: a supervisor's own, the one an admin picked. */
    val departmentId: String? = me.departmentId,
    /** Known departments, for their names and (admins) the picker. */
    val departments: List<DepartmentInfo> = emptyList(),
    val range: ReportRange = ReportRange.WEEK,
    /** The chosen range's first and last day, `YYYY-MM-DD`. */
    val from: String = "",
    val to: String = "",
    /** What shows: the server's answer for the chosen range, or the saved copy (see [cached]). */
    val report: DailyReportInfo? = null,
    /** A request for the chosen range is under way. */
    val loading: Boolean = false,
    /** [report] is the core's saved copy (read before the server answered, or kept while it cannot be reached). */
    val cached: Boolean = false,
    /** What to know about [report]: saved and updating, offline, refused, failed. */
    val notice: String? = null,
    val noticeKind: NoticeKind = NoticeKind.INFO,
    /** The platform can save a CSV (the desktop app). */
    val canExport: Boolean = false,
    val exporting: Boolean = false,
    /** The last export's outcome: where the file went, or why it did not. */
    val exportMessage: String? = null,
) {
    /**
     * Export is offered once a report shows: the CSV comes from the server, so with nothing shown (offline, nothing
     * saved) it could only fail.
     */
    val exportEnabled: Boolean
        get() = canExport && !exporting && departmentId != null && report != null

    /** Admins have no department: they pick one. */
    val picksDepartment: Boolean
        get() = me.role == Role.ADMIN

    val departmentName: String?
        get() = departments.firstOrNull { it.id == departmentId }?.name

    /** From when the shown figures are ([DailyReportInfo.asOfMs]). */
    val asOfMs: Long?
        get() = report?.asOfMs
}

enum class NoticeKind {
    /** The saved copy shows while the server's comes. */
    INFO,
    /** The server is away: the saved copy stays. */
    OFFLINE,
    /** Failed: trying again may work. */
    ERROR,
    /** The server refused this user the report: trying again will not help. */
    REFUSED,
}

sealed interface ReportEvent {
    data class ChooseRange(val range: ReportRange) : ReportEvent

    /** Admins: the department to report on. */
    data class ChooseDepartment(val departmentId: String) : ReportEvent

    data object Refresh : ReportEvent

    data object ExportCsv : ReportEvent

    data object DismissExport : ReportEvent
}

/**
 * The department's daily report for supervisors and admins over the last 7, 30 or 90 days. It opens at once with the
 * core's saved copy (the last report read of the department, whatever its range) and asks the server meanwhile; while
 * the server is away the saved copy stays, saying from when. A refusal clears the screen and says who may read it. The
 * CSV goes to the platform's [exporter]; without one there is no export.
 *
 * [today] is the device's calendar day (the ranges end on it); [zone] shows times.
 */
class ReportPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    me: UserInfo,
    private val exporter: ReportExporter? = null,
    private val zone: ZoneId = ZoneId.systemDefault(),
    private val today: () -> LocalDate = { LocalDate.now(zone) },
) : Presenter<ReportState, ReportEvent>(initialState(me, exporter != null, today()), scope) {

    private var fetch: Job? = null

    init {
        scope.launch {
            // The departments first: an admin's report is the first one's until they pick another.
            useDepartments(runCatching { core.departments() }.getOrDefault(emptyList()))
            if (current.departmentId == null) {
                // An admin whose device knows no department yet: the server's list before anything.
                runCatching { core.refreshDepartments() }.onSuccess { useDepartments(it) }
                open()
            } else {
                open()
                runCatching { core.refreshDepartments() }.onSuccess { useDepartments(it) }
            }
        }
    }

    override fun onEvent(event: ReportEvent) {
        when (event) {
            is ReportEvent.ChooseRange -> {
                val (from, to) = event.range.dates(today())
                if (event.range == current.range && from == current.from && to == current.to) return
                setState { copy(range = event.range, from = from, to = to, exportMessage = null) }
                load()
            }
            is ReportEvent.ChooseDepartment -> {
                if (!current.picksDepartment || event.departmentId == current.departmentId) return
                setState {
                    copy(
                        departmentId = event.departmentId,
                        report = null,
                        cached = false,
                        notice = null,
                        exportMessage = null,
                    )
                }
                scope.launch { open() }
            }
            ReportEvent.Refresh -> {
                // The range ends today, also on a screen left open overnight.
                val (from, to) = current.range.dates(today())
                setState { copy(from = from, to = to) }
                load()
            }
            ReportEvent.ExportCsv -> export()
            ReportEvent.DismissExport -> setState { copy(exportMessage = null) }
        }
    }

    private fun useDepartments(departments: List<DepartmentInfo>) = setState {
        val chosen =
            if (!picksDepartment) departmentId
            else departmentId?.takeIf { id -> departments.any { it.id == id } } ?: departments.firstOrNull()?.id
        copy(departments = departments, departmentId = chosen)
    }

    /** The saved copy at once, then the server's. */
    private suspend fun open() {
        val department = current.departmentId ?: return load()
        val saved =
            try {
                core.cachedDailyReport(department)
            } catch (_: CoreException) {
                null
            } catch (_: IllegalStateException) {
                return // the core was closed: the screen is going away
            }
        setState {
            if (departmentId == department && report == null && saved != null) {
                copy(
                    report = saved,
                    cached = true,
                    notice = "Showing the report saved at ${asOfLabel(saved.asOfMs, zone, today())} while it updates…",
                    noticeKind = NoticeKind.INFO,
                )
            } else {
                this
            }
        }
        load()
    }

    private fun load() {
        val department = current.departmentId
        if (department == null) {
            setState {
                copy(loading = false, notice = "There is no department to report on yet.", noticeKind = NoticeKind.INFO)
            }
            return
        }
        val (from, to) = current.from to current.to
        fetch?.cancel()
        setState { copy(loading = true) }
        fetch =
            scope.launch {
                val answer =
                    try {
                        Result.success(core.dailyReport(department, from, to))
                    } catch (e: CoreException) {
                        Result.failure(e)
                    } catch (_: IllegalStateException) {
                        return@launch // the core was closed: the screen is going away
                    }
                setState {
                    // A later choice (range, department) has a request of its own.
                    if (departmentId != department || this.from != from || this.to != to) return@setState this
                    answer.fold(
                        onSuccess = { copy(report = it, loading = false, cached = false, notice = null) },
                        onFailure = { failedWith(it as CoreException) },
                    )
                }
            }
    }

    private fun ReportState.failedWith(e: CoreException): ReportState =
        when (e) {
            // What was read last stays, saying from when.
            is CoreException.Offline ->
                if (report != null) {
                    copy(loading = false, cached = true, notice = offlineNote(report), noticeKind = NoticeKind.OFFLINE)
                } else {
                    copy(
                        loading = false,
                        notice = "Offline — the report needs the server, and none is saved on this device yet.",
                        noticeKind = NoticeKind.ERROR,
                    )
                }
            // Nothing stays on screen that the server does not show this user.
            is CoreException.Forbidden ->
                copy(
                    loading = false,
                    report = null,
                    cached = false,
                    notice = "Only the department's supervisors and admins can see its daily report.",
                    noticeKind = NoticeKind.REFUSED,
                )
            else ->
                copy(
                    loading = false,
                    notice = "Couldn't load the report: ${e.userMessage()}",
                    noticeKind = NoticeKind.ERROR,
                )
        }

    /** From when the kept report is, and its days when they are not the chosen ones. */
    private fun ReportState.offlineNote(report: DailyReportInfo): String {
        val days = if (report.from != from || report.to != to) " (${dayRange(report.from, report.to)})" else ""
        return "Offline — showing the report as of ${asOfLabel(report.asOfMs, zone, today())}$days"
    }

    private fun export() {
        val exporter = exporter ?: return
        val department = current.departmentId ?: return
        if (current.exporting) return
        val (from, to) = current.from to current.to
        val name = "daily-report-${slug(current.departmentName ?: "department")}-$from-$to.csv"
        setState { copy(exporting = true, exportMessage = null) }
        scope.launch {
            val message =
                try {
                    val csv = core.dailyReportCsv(department, from, to)
                    val where = withContext(Dispatchers.IO) { exporter.export(name, csv) }
                    "Saved the CSV to $where"
                } catch (e: CoreException) {
                    when (e) {
                        is CoreException.Offline -> "Couldn't export: the CSV needs the server. Try again when online."
                        else -> "Couldn't export: ${e.userMessage()}"
                    }
                } catch (e: IOException) {
                    "Couldn't save $name: ${e.message ?: "the file could not be written"}"
                } catch (_: IllegalStateException) {
                    return@launch
                }
            setState { copy(exporting = false, exportMessage = message) }
        }
    }

    private companion object {
        fun initialState(me: UserInfo, canExport: Boolean, today: LocalDate): ReportState {
            val (from, to) = ReportRange.WEEK.dates(today)
            return ReportState(me = me, from = from, to = to, canExport = canExport, loading = true)
        }

        fun slug(name: String): String =
            name.lowercase().replace(Regex("[^a-z0-9]+"), "-").trim('-').ifEmpty { "department" }
    }
}
