import CustomerServiceCore
import Foundation

/// How many days the report covers, today included.
public enum ReportRange: Int, CaseIterable, Sendable {
    case week = 7, month = 30, quarter = 90

    public var days: Int { rawValue }
    public var label: String { "\(rawValue) days" }
}

public enum ReportMessages {
    public static let forbidden = "Only the department's supervisors and admins can see its report."
    public static let noDepartment = "There is no department to report on yet."
}

public struct ReportState: Equatable, Sendable {
    /// The department reported on; an admin's is the first department until they choose another.
    public var departmentId: String?
    /// Every department (cached), for an admin to choose from and for the title.
    public var departments: [DepartmentInfo] = []
    public var range: ReportRange
    /// The days asked for (`YYYY-MM-DD`, inclusive): `range` ending today.
    public var from: String
    public var to: String
    /// The report shown: the answer for `from`...`to`, or the last one read (`cached`).
    public var report: DailyReportInfo?
    /// The report shown is the cache's copy (the last one read, perhaps of other days), not the answer asked for.
    public var cached = false
    /// The server could not be reached on the last try.
    public var offline = false
    public var loading = true
    public var exporting = false
    public var error: String?

    public var departmentName: String? { departments.first { $0.id == departmentId }?.name }
    /// Changes up to this moment are counted in the report shown.
    public var asOfMs: Int64? { report?.asOfMs }
    /// "Offline — showing the report as of 14:05": the server is out of reach and the last report read is shown.
    public var offlineNote: String? {
        guard offline, let report else { return nil }
        return reportOfflineNote(asOfMs: report.asOfMs)
    }
}

public enum ReportEvent: Sendable {
    case chooseRange(ReportRange)
    /// An admin reports on another department.
    case chooseDepartment(String)
    case refresh
    case dismissError
}

/// A department's daily report, for its supervisors and admins: the last report read shows at once (offline too),
/// then the chosen range's is fetched; the figures, a chart of each day and each agent; the CSV for a spreadsheet.
public final class ReportModel: StateHolder<ReportState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private let calendar: Calendar
    private let today: @Sendable () -> Date
    private let lock = NSLock()
    /// Counts fetches: only the latest one's answer is shown.
    private var generation = 0

    /// `departmentId`: the supervisor's department, or nil for an admin (the first department, then their choice).
    /// `today` and `calendar` say which days "the last 7 days" are (the device's, as the `cs` tool reads them).
    public init(
        core: CustomerServiceClient, departmentId: String?, range: ReportRange = .week, calendar: Calendar = .current,
        today: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.core = core
        self.calendar = calendar
        self.today = today
        let days = reportDays(range.days, endingOn: today(), calendar: calendar)
        super.init(ReportState(departmentId: departmentId, range: range, from: days.from, to: days.to))
        launch { [weak self] in await self?.open() }
    }

    public func send(_ event: ReportEvent) {
        switch event {
        case .chooseRange(let range):
            update { $0.range = range }
            fetch()
        case .chooseDepartment(let id):
            guard id != state.departmentId else { return }
            update { $0.departmentId = id; $0.report = nil; $0.cached = false; $0.offline = false }
            launch { [weak self] in await self?.showCached(id) }
            fetch()
        case .refresh: fetch()
        case .dismissError: update { $0.error = nil }
        }
    }

    /// The report for the days shown as CSV (a row per day, and per day and agent), for the share sheet. A failure
    /// also shows as the screen's error.
    public func exportCsv() async throws -> String {
        let s = state
        guard let departmentId = s.departmentId else { throw CoreError.Invalid(message: ReportMessages.noDepartment) }
        update { $0.exporting = true; $0.error = nil }
        do {
            let csv = try await core.dailyReportCsv(departmentId: departmentId, from: s.from, to: s.to)
            update { $0.exporting = false }
            return csv
        } catch {
            update { $0.exporting = false; $0.error = ReportModel.message(error) }
            throw error
        }
    }

    private func open() async {
        var departments = (try? await core.departments()) ?? []
        if departments.isEmpty { departments = (try? await core.refreshDepartments()) ?? [] }
        update { s in
            s.departments = departments
            if s.departmentId == nil { s.departmentId = departments.first?.id }
        }
        guard let departmentId = state.departmentId else {
            update { $0.loading = false; $0.error = ReportMessages.noDepartment }
            return
        }
        await showCached(departmentId)
        fetch()
    }

    /// The last report read of the department, at once, until the answer comes.
    private func showCached(_ departmentId: String) async {
        guard let kept = try? await core.cachedDailyReport(departmentId: departmentId) else { return }
        update { s in
            guard s.departmentId == departmentId, s.report == nil else { return }
            s.report = kept
            s.cached = true
        }
    }

    /// Asks the server for the chosen range ending today; what fetches came before are ignored when they answer.
    private func fetch() {
        let days = reportDays(state.range.days, endingOn: today(), calendar: calendar)
        var departmentId: String?
        var request = 0
        update { s in
            s.from = days.from
            s.to = days.to
            departmentId = s.departmentId
            // Until an admin's department is known, `open` fetches once it is.
            guard departmentId != nil else { return }
            s.loading = true
            s.error = nil
            request = lock.withLock {
                generation += 1
                return generation
            }
        }
        guard let departmentId else { return }
        launch { [weak self, core, request] in
            do {
                let report = try await core.dailyReport(departmentId: departmentId, from: days.from, to: days.to)
                self?.settle(request) { $0.report = report; $0.cached = false; $0.offline = false }
            } catch CoreError.Offline(let message) {
                let kept = try? await core.cachedDailyReport(departmentId: departmentId)
                self?.settle(request) { s in
                    if s.report == nil { s.report = kept }
                    s.cached = s.report != nil
                    s.offline = true
                    s.error = s.report == nil ? userMessage(CoreError.Offline(message: message)) : nil
                }
            } catch {
                self?.settle(request) { s in
                    if case CoreError.Forbidden = error { s.report = nil; s.cached = false }
                    s.offline = false
                    s.error = ReportModel.message(error)
                }
            }
        }
    }

    /// Applies the answer of fetch `request` unless a later fetch was started.
    private func settle(_ request: Int, _ change: (inout ReportState) -> Void) {
        guard !Task.isCancelled else { return }
        update { s in
            guard lock.withLock({ generation == request }) else { return }
            change(&s)
            s.loading = false
        }
    }

    private static func message(_ error: Error) -> String {
        if case CoreError.Forbidden = error { return ReportMessages.forbidden }
        return userMessage(error)
    }
}
