import CustomerServiceCore
import Foundation

/// Who is calling about what: what CallKit's incoming-call screen shows.
public struct IncomingCall: Equatable, Sendable {
    public let callId: String
    public let ticketId: String
    public let callerName: String
    public let ticketSubject: String
}

/// What the app does with one push.
public enum PushDecision: Equatable, Sendable {
    /// Report the call to CallKit, ringing for `ringFor` seconds.
    case ring(IncomingCall, ringFor: TimeInterval)
    /// A VoIP push for a call that no longer rings: iOS still requires it be reported to CallKit, so report it and end
    /// it at once (`reportAndEnd`), never drop it.
    case reportAndEnd(IncomingCall, why: String)
    /// End the call's CallKit screen (a normal push, or the socket, said it stopped ringing).
    case stopRinging(callId: String, reason: String)
    case notifyMessage(ticketId: String, messageId: String)
    case notifyStatus(ticketId: String, status: String)
    /// The ticket was resolved: ask the customer to rate it (the notification opens the ticket, where they rate).
    case askRating(ticketId: String)
    /// To a supervisor: the ticket missed its `first_response` or `resolution` target.
    case notifySlaBreach(ticketId: String, ticketNumber: Int64, target: String)
    /// The push self-test's push arrived.
    case testArrived(pushId: String, sentAtMs: Int64, receivedAtMs: Int64)
    case ignore(String)
}

/// Decides what a push does, given what the core knows of this device's calls: a repeated `push_id`, a call push
/// after its ring deadline or after its stop-ringing push, or for a call the core shows answered or ended does not
/// ring. PushKit's rule shapes the answer for VoIP pushes: each one is reported to CallKit, so those cases become
/// `reportAndEnd`. Thread-safe; one per process.
public final class PushRouter: @unchecked Sendable {
    public static let defaultRing: TimeInterval = 30
    public static let minimumRing: TimeInterval = 1

    private let lock = NSLock()
    private let now: @Sendable () -> Date
    private let remembered: Int
    private var seenPushes: [String] = []
    private var stoppedCalls: [String] = []

    public init(now: @escaping @Sendable () -> Date = Date.init, remembered: Int = 256) {
        self.now = now
        self.remembered = remembered
    }

    /// `voip`: the push came through PushKit (it must reach CallKit whatever it says).
    public func decide(_ action: PushAction, calls: [CallInfo], voip: Bool = false) -> PushDecision {
        lock.withLock {
            let fresh = remember(&seenPushes, action.pushId)
            switch action {
            case let .incomingCall(_, callId, ticketId, callerName, ticketSubject, deadline):
                let call = IncomingCall(
                    callId: callId, ticketId: ticketId, callerName: callerName, ticketSubject: ticketSubject)
                let why = whyNotRinging(call, fresh: fresh, deadlineMs: deadline, calls: calls)
                guard let why else {
                    let left = deadline.map { Double($0) / 1000 - now().timeIntervalSince1970 } ?? Self.defaultRing
                    return .ring(call, ringFor: left)
                }
                return voip ? .reportAndEnd(call, why: why) : .ignore(why)
            case let .stopRinging(_, callId, reason):
                _ = remember(&stoppedCalls, callId)
                return fresh ? .stopRinging(callId: callId, reason: reason) : .ignore("repeated push")
            case let .showMessage(_, ticketId, messageId):
                return fresh ? .notifyMessage(ticketId: ticketId, messageId: messageId) : .ignore("repeated push")
            case let .openTicket(_, ticketId, status):
                return fresh ? .notifyStatus(ticketId: ticketId, status: status) : .ignore("repeated push")
            case let .askRating(_, ticketId):
                return fresh ? .askRating(ticketId: ticketId) : .ignore("repeated push")
            case let .slaBreach(_, ticketId, ticketNumber, target):
                return fresh
                    ? .notifySlaBreach(ticketId: ticketId, ticketNumber: ticketNumber, target: target)
                    : .ignore("repeated push")
            case let .test(pushId, sentAtMs):
                let received = Int64(now().timeIntervalSince1970 * 1000)
                return fresh ? .testArrived(pushId: pushId, sentAtMs: sentAtMs, receivedAtMs: received) : .ignore("repeated push")
            }
        }
    }

    private func whyNotRinging(_ call: IncomingCall, fresh: Bool, deadlineMs: Int64?, calls: [CallInfo]) -> String? {
        if !fresh { return "push already handled" }
        if stoppedCalls.contains(call.callId) { return "the call already stopped ringing" }
        if let known = calls.first(where: { $0.id == call.callId }), known.phase != .ringing {
            return "the call is no longer ringing here"
        }
        if let deadlineMs, Double(deadlineMs) / 1000 - now().timeIntervalSince1970 < Self.minimumRing {
            return "the call rang out before its push arrived"
        }
        return nil
    }

    private func remember(_ list: inout [String], _ id: String) -> Bool {
        if list.contains(id) { return false }
        list.append(id)
        if list.count > remembered { list.removeFirst() }
        return true
    }
}

extension PushAction {
    public var pushId: String {
        switch self {
        case .incomingCall(let id, _, _, _, _, _), .stopRinging(let id, _, _), .showMessage(let id, _, _),
            .openTicket(let id, _, _), .askRating(let id, _), .slaBreach(let id, _, _, _), .test(let id, _):
            return id
        }
    }
}
