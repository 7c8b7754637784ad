import CustomerServiceCore
import Foundation

// What the daily report's screen says: pure functions of the report, tested on Linux, read by the SwiftUI view.

/// "45 s", "12 min", "3 h 5 min", "2 d 4 h": a span of business-hours seconds; "—" when there is none to measure.
public func reportDuration(secs: Int64?) -> String {
    guard let secs else { return "—" }
    let seconds = max(secs, 0)
    if seconds < 60 { return "\(seconds) s" }
    let minutes = seconds / 60
    if minutes < 60 { return "\(minutes) min" }
    let (hours, mins) = (minutes / 60, minutes % 60)
    if hours < 24 { return mins == 0 ? "\(hours) h" : "\(hours) h \(mins) min" }
    let (days, hrs) = (hours / 24, hours % 24)
    return hrs == 0 ? "\(days) d" : "\(days) d \(hrs) h"
}

/// "4.6 (12)": the average rating and how many ratings; "—" before the first.
public func csatLabel(_ figures: ReportFiguresInfo) -> String {
    guard figures.csatCount > 0, let average = figures.csatAverage else { return "—" }
    return "\(String(format: "%.1f", average)) (\(figures.csatCount))"
}

/// One headline figure: what it counts, and its value as shown.
public struct ReportFigure: Equatable, Hashable, Sendable {
    public let label: String
    public let value: String

    public init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }
}

/// The figures at the top of the report, in reading order.
public func reportHeadlines(_ figures: ReportFiguresInfo) -> [ReportFigure] {
    [
        ReportFigure("Opened", "\(figures.opened)"),
        ReportFigure("Resolved", "\(figures.resolved)"),
        ReportFigure("Reopened", "\(figures.reopened)"),
        ReportFigure("First reply (median)", reportDuration(secs: figures.firstResponseMedianSecs)),
        ReportFigure("First reply (90%)", reportDuration(secs: figures.firstResponseP90Secs)),
        ReportFigure("Resolution (median)", reportDuration(secs: figures.resolutionMedianSecs)),
        ReportFigure("Resolution (90%)", reportDuration(secs: figures.resolutionP90Secs)),
        ReportFigure("Missed targets", "\(figures.slaBreaches)"),
        ReportFigure("Calls answered", "\(figures.callsAnswered) of \(figures.callsPlaced)"),
        ReportFigure("Talk time", figures.talkSecs == 0 ? "—" : reportDuration(secs: figures.talkSecs)),
        ReportFigure("Satisfaction", csatLabel(figures)),
    ]
}

/// An agent's line under their name: "3 resolved · first reply 12 min · 2 calls · rated 4.5 (2)".
public func agentSummary(_ figures: ReportFiguresInfo) -> String {
    var parts = ["\(figures.resolved) resolved"]
    if let median = figures.firstResponseMedianSecs { parts.append("first reply \(reportDuration(secs: median))") }
    if figures.callsAnswered > 0 {
        parts.append(figures.callsAnswered == 1 ? "1 call" : "\(figures.callsAnswered) calls")
    }
    if figures.csatCount > 0 { parts.append("rated \(csatLabel(figures))") }
    return parts.joined(separator: " · ")
}

/// One bar of the chart: a day's tickets opened, or resolved.
public struct ReportBar: Equatable, Hashable, Sendable, Identifiable {
    public static let opened = "Opened"
    public static let resolved = "Resolved"

    /// `YYYY-MM-DD`.
    public let day: String
    /// The start of the day in the calendar it was read with (for a date axis).
    public let date: Date
    /// `ReportBar.opened` or `ReportBar.resolved`.
    public let series: String
    public let count: Int64

    public var id: String { "\(day) \(series)" }
}

/// The chart's series: tickets opened and resolved on each day of the report, in day order.
public func openedResolvedSeries(_ report: DailyReportInfo, calendar: Calendar = .current) -> [ReportBar] {
    report.days.flatMap { day -> [ReportBar] in
        guard let date = reportDate(day.day, calendar: calendar) else { return [] }
        return [
            ReportBar(day: day.day, date: date, series: ReportBar.opened, count: day.figures.opened),
            ReportBar(day: day.day, date: date, series: ReportBar.resolved, count: day.figures.resolved),
        ]
    }
}

// Days as the server reads them (`YYYY-MM-DD`), and as people read them.

private let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

private func padded(_ number: Int, _ width: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// `date`'s day in `calendar`, as `YYYY-MM-DD`.
public func reportDay(_ date: Date, calendar: Calendar = .current) -> String {
    let parts = calendar.dateComponents([.year, .month, .day], from: date)
    return "\(padded(parts.year ?? 0, 4))-\(padded(parts.month ?? 0, 2))-\(padded(parts.day ?? 0, 2))"
}

/// The start of a `YYYY-MM-DD` day in `calendar`; nil if it is not one.
public func reportDate(_ day: String, calendar: Calendar = .current) -> Date? {
    let parts = day.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3 else { return nil }
    return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
}

/// The first and last day of the `days` days ending with `today`'s day, today included.
public func reportDays(_ days: Int, endingOn today: Date, calendar: Calendar = .current) -> (from: String, to: String) {
    let first = calendar.date(byAdding: .day, value: -(max(days, 1) - 1), to: today) ?? today
    return (reportDay(first, calendar: calendar), reportDay(today, calendar: calendar))
}

/// "3 Dec" for `2026-12-03`; the day as given if it is not one.
public func reportDayLabel(_ day: String) -> String {
    let parts = day.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3, (1...12).contains(parts[1]) else { return day }
    return "\(parts[2]) \(monthNames[parts[1] - 1])"
}

/// "26 Nov – 2 Dec 2026", "28 Dec 2025 – 3 Jan 2026", "2 Dec 2026": the report's days.
public func reportPeriodLabel(from: String, to: String) -> String {
    let (fromYear, toYear) = (from.prefix(4), to.prefix(4))
    if from == to { return "\(reportDayLabel(to)) \(toYear)" }
    let start = fromYear == toYear ? reportDayLabel(from) : "\(reportDayLabel(from)) \(fromYear)"
    return "\(start) – \(reportDayLabel(to)) \(toYear)"
}

/// "14:05" today, "3 Dec, 14:05" earlier this year, "3 Dec 2025, 14:05" before: when a report was read, in `calendar`.
public func reportMoment(ms: Int64, now: Date = Date(), calendar: Calendar = .current) -> String {
    let date = Date(timeIntervalSince1970: Double(ms) / 1000)
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    let time = "\(padded(parts.hour ?? 0, 2)):\(padded(parts.minute ?? 0, 2))"
    if calendar.isDate(date, inSameDayAs: now) { return time }
    let day = "\(parts.day ?? 0) \(monthNames[max(0, min(11, (parts.month ?? 1) - 1))])"
    let sameYear = calendar.component(.year, from: now) == parts.year
    return sameYear ? "\(day), \(time)" : "\(day) \(parts.year ?? 0), \(time)"
}

/// What the screen says while the server cannot be reached and it shows the last report read.
public func reportOfflineNote(asOfMs: Int64, now: Date = Date(), calendar: Calendar = .current) -> String {
    "Offline — showing the report as of \(reportMoment(ms: asOfMs, now: now, calendar: calendar))"
}
