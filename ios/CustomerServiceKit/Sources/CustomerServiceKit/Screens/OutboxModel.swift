import CustomerServiceCore

public struct OutboxState: Equatable, Sendable {
    public var loading = true
    public var items: [OutboxItem] = []
    public var error: String?

    public var waiting: Int { items.filter { $0.state == .pending }.count }
    public var refused: Int { items.count - waiting }
}

public enum OutboxEvent: Sendable { case reload, retry(Int64), discard(Int64) }

/// What waits for the server, and what it refused (with the reason): retry or discard each.
public final class OutboxModel: StateHolder<OutboxState>, @unchecked Sendable {
    private let core: CustomerServiceClient

    public init(core: CustomerServiceClient) {
        self.core = core
        super.init(OutboxState())
        // The outbox changes as the core syncs: read it again whenever the tickets or the connection change.
        launch { [weak self, core] in
            for await _ in core.tickets(limit: 1) { await self?.reload() }
        }
        launch { [weak self, core] in
            for await _ in core.syncStates() { await self?.reload() }
        }
    }

    public func send(_ event: OutboxEvent) {
        launch { [weak self, core] in
            do {
                switch event {
                case .reload: break
                case .retry(let id): try await core.retryOutboxItem(id)
                case .discard(let id): try await core.discardOutboxItem(id)
                }
            } catch {
                self?.update { $0.error = userMessage(error) }
            }
            await self?.reload()
        }
    }

    private func reload() async {
        do {
            let items = try await core.outbox()
            update { $0.items = items; $0.loading = false; $0.error = nil }
        } catch {
            update { $0.loading = false; $0.error = userMessage(error) }
        }
    }
}
