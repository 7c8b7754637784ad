import CustomerServiceCore
import Foundation

public enum CallScreenKind: Sendable { case none, incoming, inCall }

public struct CallState: Equatable, Sendable {
    /// The call on screen: ringing here, under way, or just ended.
    public var call: CallInfo?
    /// Whole seconds since the audio connected.
    public var elapsedSeconds = 0
    /// Accept, decline or hang up is waiting for the server.
    public var busy = false
    public var error: String?

    public var kind: CallScreenKind {
        guard let call else { return .none }
        if call.direction == .incoming, call.phase == .ringing { return .incoming }
        return .inCall
    }

    public var ended: Bool { if case .ended = call?.phase { return true } else { return false } }
}

public enum CallEvent: Sendable { case accept, decline, hangUp, toggleMute }

extension CallPhase {
    /// The phase as the call screen says it (the Android screens say the same).
    public func label(_ direction: CallDirection) -> String {
        switch self {
        case .ringing: return direction == .outgoing ? "Ringing…" : "Incoming call"
        case .connecting: return "Connecting…"
        case .connected: return "Connected"
        case .reconnecting: return "Reconnecting…"
        case .ended(let outcome):
            switch outcome {
            case "ended": return "Call ended"
            case "declined": return "Declined"
            case "missed": return "No answer"
            case "cancelled": return "Cancelled"
            case "answered_elsewhere": return "Answered on another device"
            case "failed": return "Call failed"
            default: return "Call over (\(outcome))"
            }
        }
    }
}

/// The incoming-call and in-call screens (in the app; CallKit shows the system's when the phone is locked): the
/// device's newest call, its timer, Accept / Decline / Hang up / Mute. An ended call stays on screen for
/// `endedShowSeconds`, then `onEnded` gets its ticket.
public final class CallModel: StateHolder<CallState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private let audio: CallAudio
    private let onEnded: @Sendable (String) -> Void
    private let endedShowSeconds: Double
    private var connectedAt: Date?

    public init(
        core: CustomerServiceClient, audio: CallAudio, endedShowSeconds: Double = 2.5,
        onEnded: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.core = core
        self.audio = audio
        self.onEnded = onEnded
        self.endedShowSeconds = endedShowSeconds
        super.init(CallState())
        launch { [weak self, core] in
            for await calls in core.calls() { self?.show(calls) }
        }
        launch { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 500_000_000)
                self?.tick()
            }
        }
    }

    private func show(_ calls: [CallInfo]) {
        // The live call wins over one that just ended; among several, the newest.
        let live = calls.last { if case .ended = $0.phase { return false } else { return true } }
        let shown = live ?? calls.last { $0.id == state.call?.id }
        if shown?.phase == .connected, connectedAt == nil { connectedAt = Date() }
        update { $0.call = shown }
        if let call = shown, case .ended = call.phase {
            connectedAt = nil
            let ticketId = call.ticketId
            launch { [weak self, endedShowSeconds] in
                try? await Task.sleep(nanoseconds: UInt64(endedShowSeconds * 1e9))
                guard let self, self.state.call?.id == call.id, self.state.ended else { return }
                self.update { $0.call = nil; $0.elapsedSeconds = 0 }
                self.onEnded(ticketId)
            }
        }
    }

    private func tick() {
        guard let connectedAt else { return }
        let seconds = Int(Date().timeIntervalSince(connectedAt))
        if seconds != state.elapsedSeconds { update { $0.elapsedSeconds = seconds } }
    }

    public func send(_ event: CallEvent) {
        guard let call = state.call else { return }
        switch event {
        case .accept:
            act { [audio] core in
                guard await audio.requestMicrophone() else { throw CallModelError.microphoneRefused }
                _ = try await core.acceptCall(call.id, audio: try audio.device())
            }
        case .decline: act { try await $0.declineCall(call.id) }
        case .hangUp: act { try await $0.hangUp(call.id) }
        case .toggleMute:
            do {
                try core.setCallMuted(call.id, !call.muted)
                update { $0.call?.muted = !call.muted }
            } catch {
                update { $0.error = userMessage(error) }
            }
        }
    }

    private func act(_ work: @escaping @Sendable (CustomerServiceClient) async throws -> Void) {
        guard !state.busy else { return }
        update { $0.busy = true; $0.error = nil }
        launch { [weak self, core] in
            do {
                try await work(core)
                self?.update { $0.busy = false }
            } catch CallModelError.microphoneRefused {
                self?.update { $0.busy = false; $0.error = CallAudioMessages.microphoneRefused }
            } catch {
                self?.update { $0.busy = false; $0.error = userMessage(error) }
            }
        }
    }
}

enum CallModelError: Error { case microphoneRefused }
