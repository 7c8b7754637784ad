import Foundation
import XCTest
@testable import CustomerServiceKit

/// The daily report from the Swift client: a supervisor's screen counts what customers and agents did once the
/// server's report job has taken it in, an agent is refused in words, the range picks the days, and offline the last
/// report read stays with a note saying how old it is.
final class ReportTests: ServerTestCase {
    func testASupervisorSeesTheTicketsCustomersOpenedOnceTheJobCountsThem() async throws {
        let billing = try await server.createDepartment("Billing")
        let sue = try await staff("Sue", department: billing, role: "supervisor")
        let ann = try await customer("Ann")
        let card = try await ann.createTicket(departmentId: billing, subject: "Card declined", body: "Help.").id
        let refund = try await ann.createTicket(departmentId: billing, subject: "Refund", body: "Help.").id
        let bea = try await staff("Bea", department: billing)
        _ = try await first(bea.tickets(), "both tickets at Bea's") { list in
            [card, refund].allSatisfy { id in list.contains { $0.id == id && $0.number != nil } }
        }
        try await bea.updateTicket(
            card, TicketChanges(status: .resolved, priority: nil, assigneeId: nil, unassign: false, departmentId: nil))

        let screen = ReportModel(core: sue, departmentId: billing)
        defer { screen.close() }
        let counted = try await poll(screen, "two opened, one resolved by Bea") {
            $0.report?.total.opened == 2 && $0.report?.total.resolved == 1
        }
        XCTAssertNil(counted.error)
        XCTAssertFalse(counted.cached)
        XCTAssertFalse(counted.offline)
        XCTAssertEqual(counted.departmentName, "Billing")
        let report = try XCTUnwrap(counted.report)
        XCTAssertEqual([report.from, report.to], [counted.from, counted.to])
        XCTAssertEqual(report.days.map(\.day).last, counted.to)
        XCTAssertEqual(report.days.count, 7)
        XCTAssertEqual(report.agents.map(\.name), ["Bea"])
        XCTAssertEqual(report.agents.first?.figures.resolved, 1)
        let bars = openedResolvedSeries(report)
        XCTAssertEqual(bars.count, 14)
        XCTAssertEqual(bars.filter { $0.series == ReportBar.opened }.map(\.count).reduce(0, +), 2)
        XCTAssertEqual(bars.filter { $0.series == ReportBar.resolved }.map(\.count).reduce(0, +), 1)
        XCTAssertEqual(
            reportHeadlines(report.total).prefix(2), [ReportFigure("Opened", "2"), ReportFigure("Resolved", "1")])

        let csv = try await screen.exportCsv()
        XCTAssertTrue(csv.hasPrefix("day,agent_id,agent,opened,"), csv)
        XCTAssertTrue(csv.contains("\(counted.to),,,"), csv)
        XCTAssertFalse(screen.state.exporting)
    }

    func testAnAgentIsToldTheReportIsForSupervisors() async throws {
        let billing = try await server.createDepartment("Billing")
        let bea = try await staff("Bea", department: billing)
        let screen = ReportModel(core: bea, departmentId: billing)
        defer { screen.close() }
        let refused = try await first(screen.states, "the refusal") { !$0.loading && $0.error != nil }
        XCTAssertEqual(refused.error, ReportMessages.forbidden)
        XCTAssertNil(refused.report)
        XCTAssertFalse(refused.offline)
        do {
            _ = try await screen.exportCsv()
            XCTFail("an agent exported the report")
        } catch CoreError.Forbidden {
            XCTAssertEqual(screen.state.error, ReportMessages.forbidden)
        }
    }

    func testTheRangeFetchesItsDaysEndingToday() async throws {
        let billing = try await server.createDepartment("Billing")
        let sue = try await staff("Sue", department: billing, role: "supervisor")
        // 10 March 2025, noon UTC: the days are counted by hand.
        let today = Date(timeIntervalSince1970: 1_741_608_000)
        let screen = ReportModel(core: sue, departmentId: billing, calendar: utc, today: { today })
        defer { screen.close() }
        let week = try await first(screen.states, "the week") { !$0.loading && $0.report != nil }
        XCTAssertEqual([week.from, week.to], ["2025-03-04", "2025-03-10"])
        XCTAssertEqual(week.report.map { [$0.from, $0.to] }, ["2025-03-04", "2025-03-10"])

        let ranges = [(ReportRange.month, "2025-02-09", 30), (.quarter, "2024-12-11", 90), (.week, "2025-03-04", 7)]
        for (range, from, days) in ranges {
            screen.send(.chooseRange(range))
            let shown = try await first(screen.states, "\(range.label)") {
                $0.range == range && !$0.loading && $0.report?.from == from
            }
            XCTAssertEqual([shown.from, shown.to], [from, "2025-03-10"])
            XCTAssertEqual(shown.report?.to, "2025-03-10")
            XCTAssertEqual(shown.report?.days.count, days)
            XCTAssertNil(shown.error)
        }
    }

    func testOfflineTheLastReportReadShowsWithANote() async throws {
        let billing = try await server.createDepartment("Billing")
        let sue = try await staff("Sue", department: billing, role: "supervisor")
        let ann = try await customer("Ann")
        _ = try await ann.createTicket(departmentId: billing, subject: "Card declined", body: "Help.")
        let online = ReportModel(core: sue, departmentId: billing)
        let read = try await poll(online, "the ticket counted") { $0.report?.total.opened == 1 }
        online.close()
        let asOf = try XCTUnwrap(read.asOfMs)

        server.stop()
        _ = try await first(sue.syncStates(), "offline") { $0 == .offline }
        let screen = ReportModel(core: sue, departmentId: billing)
        defer { screen.close() }
        let shown = try await first(screen.states, within: 5, "the cached report at once") { $0.report != nil }
        XCTAssertTrue(shown.cached)
        XCTAssertEqual(shown.asOfMs, asOf)
        let offline = try await first(screen.states, "the offline note") { !$0.loading && $0.offline }
        XCTAssertNil(offline.error)
        XCTAssertTrue(offline.cached)
        XCTAssertEqual(offline.report?.total.opened, 1)
        XCTAssertEqual(offline.offlineNote, reportOfflineNote(asOfMs: asOf))
        XCTAssertEqual(offline.offlineNote?.hasPrefix("Offline — showing the report as of "), true)

        // Another range offline: the same report stays, still noted.
        screen.send(.chooseRange(.month))
        let kept = try await first(screen.states, "still offline") { $0.range == .month && !$0.loading }
        XCTAssertEqual(kept.asOfMs, asOf)
        XCTAssertNotNil(kept.offlineNote)
    }

    /// Refreshes the screen until its report satisfies `predicate` (the server's job takes changes in every 100 ms
    /// here), failing after `seconds`.
    private func poll(
        _ screen: ReportModel, within seconds: Double = 20, _ what: String,
        where predicate: @escaping @Sendable (ReportState) -> Bool
    ) async throws -> ReportState {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let answered = try await first(screen.states, "an answer while waiting for \(what)") { !$0.loading }
            if predicate(answered) { return answered }
            guard Date() < deadline else { throw TestError("timed out waiting for \(what): \(answered)") }
            try await Task.sleep(nanoseconds: 100_000_000)
            screen.send(.refresh)
        }
    }
}

/// What the report's screen says, without a server.
final class ReportLabelTests: XCTestCase {
    func testDurationsReadAsPeopleSayThem() {
        XCTAssertEqual(reportDuration(secs: nil), "—")
        XCTAssertEqual(reportDuration(secs: -3), "0 s")
        XCTAssertEqual(reportDuration(secs: 45), "45 s")
        XCTAssertEqual(reportDuration(secs: 12 * 60 + 30), "12 min")
        XCTAssertEqual(reportDuration(secs: 3600), "1 h")
        XCTAssertEqual(reportDuration(secs: 3 * 3600 + 5 * 60 + 59), "3 h 5 min")
        XCTAssertEqual(reportDuration(secs: 2 * 86_400 + 4 * 3600 + 1800), "2 d 4 h")
        XCTAssertEqual(reportDuration(secs: 86_400), "1 d")
    }

    func testSatisfactionAndHeadlines() {
        var f = figures(opened: 9, resolved: 7)
        XCTAssertEqual(csatLabel(f), "—")
        f.csatCount = 12
        f.csatAverage = 4.5833
        XCTAssertEqual(csatLabel(f), "4.6 (12)")
        f.firstResponseMedianSecs = 720
        f.firstResponseP90Secs = 3 * 3600 + 300
        f.callsPlaced = 4
        f.callsAnswered = 3
        f.talkSecs = 95
        f.slaBreaches = 2
        XCTAssertEqual(reportHeadlines(f), [
            ReportFigure("Opened", "9"),
            ReportFigure("Resolved", "7"),
            ReportFigure("Reopened", "0"),
            ReportFigure("First reply (median)", "12 min"),
            ReportFigure("First reply (90%)", "3 h 5 min"),
            ReportFigure("Resolution (median)", "—"),
            ReportFigure("Resolution (90%)", "—"),
            ReportFigure("Missed targets", "2"),
            ReportFigure("Calls answered", "3 of 4"),
            ReportFigure("Talk time", "1 min"),
            ReportFigure("Satisfaction", "4.6 (12)"),
        ])
        XCTAssertEqual(agentSummary(f), "7 resolved · first reply 12 min · 3 calls · rated 4.6 (12)")
        XCTAssertEqual(agentSummary(figures(opened: 0, resolved: 1)), "1 resolved")
    }

    func testTheChartHasOpenedAndResolvedForEachDay() throws {
        let report = DailyReportInfo(
            departmentId: "d", timeZone: "UTC", from: "2025-03-09", to: "2025-03-10",
            days: [
                ReportDayItem(day: "2025-03-09", figures: figures(opened: 3, resolved: 1)),
                ReportDayItem(day: "2025-03-10", figures: figures(opened: 0, resolved: 2)),
            ],
            total: figures(opened: 3, resolved: 3), agents: [], asOfMs: 0)
        let bars = openedResolvedSeries(report, calendar: utc)
        XCTAssertEqual(bars.map(\.series), ["Opened", "Resolved", "Opened", "Resolved"])
        XCTAssertEqual(bars.map(\.count), [3, 1, 0, 2])
        XCTAssertEqual(bars.map(\.day), ["2025-03-09", "2025-03-09", "2025-03-10", "2025-03-10"])
        XCTAssertEqual(bars.first?.date, Date(timeIntervalSince1970: 1_741_478_400))
        XCTAssertEqual(Set(bars.map(\.id)).count, 4)
    }

    func testDaysAndMoments() {
        let noon = Date(timeIntervalSince1970: 1_741_608_000)  // 2025-03-10 12:00 UTC
        XCTAssertEqual(reportDay(noon, calendar: utc), "2025-03-10")
        XCTAssertEqual(reportDate("2025-03-10", calendar: utc), Date(timeIntervalSince1970: 1_741_564_800))
        XCTAssertNil(reportDate("soon", calendar: utc))
        XCTAssertEqual(reportDays(1, endingOn: noon, calendar: utc).from, "2025-03-10")
        XCTAssertEqual(reportDays(7, endingOn: noon, calendar: utc).from, "2025-03-04")
        XCTAssertEqual(reportDayLabel("2025-03-04"), "4 Mar")
        XCTAssertEqual(reportPeriodLabel(from: "2025-03-04", to: "2025-03-10"), "4 Mar – 10 Mar 2025")
        XCTAssertEqual(reportPeriodLabel(from: "2024-12-11", to: "2025-03-10"), "11 Dec 2024 – 10 Mar 2025")
        XCTAssertEqual(reportPeriodLabel(from: "2025-03-10", to: "2025-03-10"), "10 Mar 2025")

        let asOf: Int64 = 1_741_608_000_000 - (6 * 3600 + 55 * 60) * 1000  // 05:05 the same day
        XCTAssertEqual(
            reportOfflineNote(asOfMs: asOf, now: noon, calendar: utc), "Offline — showing the report as of 05:05")
        let dayBefore = asOf - 86_400_000
        XCTAssertEqual(reportMoment(ms: dayBefore, now: noon, calendar: utc), "9 Mar, 05:05")
        XCTAssertEqual(reportMoment(ms: dayBefore - 365 * 86_400_000, now: noon, calendar: utc), "9 Mar 2024, 05:05")
        XCTAssertEqual(ReportRange.allCases.map(\.label), ["7 days", "30 days", "90 days"])
    }
}

private var utc: Calendar {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}

private func figures(opened: Int64, resolved: Int64) -> ReportFiguresInfo {
    ReportFiguresInfo(
        opened: opened, resolved: resolved, reopened: 0, firstResponses: 0, firstResponseMedianSecs: nil,
        firstResponseP90Secs: nil, resolutions: resolved, resolutionMedianSecs: nil, resolutionP90Secs: nil,
        slaBreaches: 0, callsPlaced: 0, callsAnswered: 0, callsMissed: 0, callsDeclined: 0, talkSecs: 0,
        csatCount: 0, csatAverage: nil)
}
