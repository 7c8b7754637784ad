import CustomerServiceCore

/// "40m", "2h 5m", "3d 4h": a span to a due time, at least a minute.
public func dueSpan(ms: Int64) -> String {
    let minutes = (max(ms, 0) + 59_999) / 60_000
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60)
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h \(mins)m" }
    return "\(mins)m"
}

/// How a ticket stands against its service-level targets in a list row; nil when there is nothing to say (met, or no
/// targets).
public func slaLabel(_ sla: TicketSlaInfo, nowMs: Int64) -> String? {
    switch sla.state {
    case .breached: return "Missed target"
    case .atRisk, .onTrack: return sla.nextDueMs.map { "Due in \(dueSpan(ms: $0 - nowMs))" }
    case .met, .none: return nil
    }
}

extension SlaFilter {
    public var label: String {
        switch self {
        case .atRisk: return "At risk"
        case .breached: return "Missed target"
        }
    }
}
