import Foundation

/// The state of one screen, as SwiftUI reads it: an immutable `State` value, replaced on each change, and the events
/// the screen sends. The app's `@Observable` wrapper (Observation does not link in Debian's Swift, so it lives in the
/// Xcode project) subscribes with `onChange`; tests wait with `states`. Thread-safe: the core answers on its threads.
open class StateHolder<State: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: State
    private var observers: [UUID: (State) -> Void] = [:]

    public init(_ initial: State) { value = initial }

    public var state: State { lock.withLock { value } }

    /// Calls `observer` with the current state now and with every change; returns a token for `removeObserver`.
    @discardableResult
    public func observe(_ observer: @escaping (State) -> Void) -> UUID {
        let id = UUID()
        let current = lock.withLock {
            observers[id] = observer
            return value
        }
        observer(current)
        return id
    }

    public func removeObserver(_ id: UUID) { _ = lock.withLock { observers.removeValue(forKey: id) } }

    /// Every state from now on, the current one first.
    public var states: AsyncStream<State> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let id = observe { continuation.yield($0) }
            continuation.onTermination = { [weak self] _ in self?.removeObserver(id) }
        }
    }

    /// Changes the state and tells the observers.
    public func update(_ change: (inout State) -> Void) {
        let (new, current) = lock.withLock { () -> (State, [(State) -> Void]) in
            change(&value)
            return (value, Array(observers.values))
        }
        current.forEach { $0(new) }
    }

    /// Work the screen started; cancelled by `close()`.
    private var tasks: [Task<Void, Never>] = []

    public func launch(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        lock.withLock { tasks.append(task) }
    }

    /// The screen went away: its work stops.
    open func close() {
        lock.withLock { tasks }.forEach { $0.cancel() }
    }
}
