import CustomerServiceKit
import Observation

/// A screen's state holder as SwiftUI observes it: the package's `StateHolder` cannot use Observation (it does not
/// link in the Linux Swift the package is tested with), so this wrapper does, on the main actor.
@MainActor @Observable
final class Observed<Model: AnyObject, State: Sendable> {
    let model: Model
    private(set) var state: State
    @ObservationIgnored nonisolated(unsafe) private var token: UUID?
    @ObservationIgnored nonisolated private let holder: StateHolder<State>

    init(_ model: Model) where Model: StateHolder<State> {
        self.model = model
        holder = model
        state = model.state
        token = model.observe { [weak self] new in
            Task { @MainActor in self?.state = new }
        }
    }

    deinit {
        token.map(holder.removeObserver)
        holder.close()
    }
}
