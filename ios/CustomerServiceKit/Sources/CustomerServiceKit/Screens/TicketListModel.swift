import CustomerServiceCore

/// Whose tickets the staff queue shows.
public enum AssigneeFilter: String, CaseIterable, Sendable {
    case anyone, me, unassigned

    var wire: String? { self == .anyone ? nil : rawValue }
}

/// What the queue is narrowed to; `nil` means any.
public struct QueueFilter: Equatable, Sendable {
    public var status: TicketStatus?
    public var priority: Priority?
    public var assignee: AssigneeFilter = .anyone
    public var sort: TicketSort = .updated
    public var query = ""
    /// At risk of missing a service-level target, or missed one.
    public var sla: SlaFilter?

    public init() {}

    public var core: TicketFilter {
        var filter = TicketFilter.all
        filter.statuses = status.map { [$0] } ?? []
        filter.priorities = priority.map { [$0] } ?? []
        filter.assignee = assignee.wire
        let words = query.trimmingCharacters(in: .whitespaces)
        filter.query = words.isEmpty ? nil : words
        filter.sort = sort
        filter.sla = sla
        return filter
    }
}

public struct TicketListState: Equatable, Sendable {
    public let staff: Bool
    /// Until the cache has answered once.
    public var loading = true
    public var tickets: [TicketItem] = []
    public var filter = QueueFilter()
    public var sync: SyncState = .connecting
    public var error: String?

    public var offline: Bool { sync == .offline }
}

public enum TicketListEvent: Sendable {
    case refresh
    case setStatus(TicketStatus?)
    case setPriority(Priority?)
    case setAssignee(AssigneeFilter)
    case setSort(TicketSort)
    case setSla(SlaFilter?)
    case setQuery(String)
}

/// A customer's tickets, or the staff queue with its filters: from the cache at once, live while connected.
public final class TicketListModel: StateHolder<TicketListState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private var listTask: Task<Void, Never>?

    public init(core: CustomerServiceClient, staff: Bool) {
        self.core = core
        super.init(TicketListState(staff: staff))
        launch { [weak self] in
            guard let states = self?.core.syncStates() else { return }
            for await sync in states { self?.update { $0.sync = sync } }
        }
        follow(QueueFilter())
    }

    public func send(_ event: TicketListEvent) {
        var filter = state.filter
        switch event {
        case .refresh:
            core.reconnectNow()
            return
        case .setStatus(let status): filter.status = status
        case .setPriority(let priority): filter.priority = priority
        case .setAssignee(let assignee): filter.assignee = assignee
        case .setSort(let sort): filter.sort = sort
        case .setSla(let sla): filter.sla = sla
        case .setQuery(let query): filter.query = query
        }
        follow(filter)
    }

    /// Follows the list under `filter`, replacing what was followed before.
    private func follow(_ filter: QueueFilter) {
        update { $0.filter = filter }
        listTask?.cancel()
        let stream = core.tickets(filter.core, limit: 200)
        listTask = Task { [weak self] in
            for await tickets in stream {
                guard !Task.isCancelled else { return }
                self?.update { $0.tickets = tickets; $0.loading = false; $0.error = nil }
            }
        }
    }

    public override func close() {
        listTask?.cancel()
        super.close()
    }
}
