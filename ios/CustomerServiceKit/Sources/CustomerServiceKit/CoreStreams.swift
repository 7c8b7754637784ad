import CustomerServiceCore

/// A core listener that feeds an `AsyncStream`. The core calls it from its own threads.
final class StreamListener<Value: Sendable>: @unchecked Sendable {
    let continuation: AsyncStream<Value>.Continuation
    init(_ continuation: AsyncStream<Value>.Continuation) { self.continuation = continuation }
    func yield(_ value: Value) { continuation.yield(value) }
}

extension StreamListener: TicketListListener where Value == [TicketItem] {
    func onUpdate(tickets: [TicketItem]) { yield(tickets) }
}

extension StreamListener: TicketDetailListener where Value == TicketDetail {
    func onUpdate(detail: TicketDetail) { yield(detail) }
}

extension StreamListener: SyncStateListener where Value == SyncState {
    func onState(state: SyncState) { yield(state) }
}

extension StreamListener: CallListener where Value == [CallInfo] {
    func onCalls(calls: [CallInfo]) { yield(calls) }
}

extension StreamListener: ColleaguesListener where Value == [Colleague] {
    func onUpdate(colleagues: [Colleague]) { yield(colleagues) }
}

extension StreamListener: CannedRepliesListener where Value == [CannedReplyItem] {
    func onUpdate(replies: [CannedReplyItem]) { yield(replies) }
}

/// Subscribes with `observe` and ends the core's subscription (its `TaskHandle`) when the stream's consumer stops.
func coreStream<Value: Sendable>(
    _ observe: (StreamListener<Value>) -> TaskHandle
) -> AsyncStream<Value> {
    AsyncStream(bufferingPolicy: .bufferingNewest(16)) { continuation in
        let handle = observe(StreamListener(continuation))
        continuation.onTermination = { _ in handle.cancel() }
    }
}
