import CustomerServiceCore
import Foundation

/// What the phone gives the push self-test: permission, its push token, and the test pushes it receives. An iPhone
/// has two: its FCM token (messages, `.ios`) and its PushKit token (calls, `.iosVoip`, sent by the server through
/// APNs).
public protocol PushDevice: Sendable {
    /// What kind of token `token()` gives.
    var platform: PushPlatform { get }
    /// Whether the user lets the app show notifications.
    func notificationsAllowed() async -> Bool
    /// This device's push token; throws with a readable message when there is none.
    func token() async throws -> String
    /// Every test push this device receives (the app feeds `PushRouter`'s `.testArrived` here).
    func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)>
}

extension PushDevice {
    public var platform: PushPlatform { .ios }

    /// The service the server hands this token's pushes to.
    public var serviceName: String { platform == .iosVoip ? "Apple's push service (APNs)" : "Firebase (FCM)" }
}

/// The test pushes that arrive, for any number of listeners: a `PushDevice` hands out `stream()` and the app calls
/// `arrived` from its push handlers.
public final class PushArrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [UUID: AsyncStream<(pushId: String, receivedAtMs: Int64)>.Continuation] = [:]

    public init() {}

    public func stream() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> {
        AsyncStream { continuation in
            let id = UUID()
            lock.withLock { listeners[id] = continuation }
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
        }
    }

    public func arrived(pushId: String, receivedAtMs: Int64) {
        lock.withLock { Array(listeners.values) }.forEach { $0.yield((pushId, receivedAtMs)) }
    }

    public var listening: Int { lock.withLock { listeners.count } }

    private func remove(_ id: UUID) { lock.withLock { _ = listeners.removeValue(forKey: id) } }
}

/// The steps of the self-test, in order: the first that fails says where pushes stop. `service` is FCM for the
/// FCM token and APNs for the VoIP token.
public enum PushCheckStep: Int, CaseIterable, Sendable { case notifications, token, server, service, delivery }

public enum PushCheckResult: Equatable, Sendable {
    /// Every step passed: the round trip on this device's clock, from asking the server to the push's arrival.
    case passed(roundTripMs: Int64)
    case failed(PushCheckStep, String)
}

/// The push self-test, as the Android app's "Check notifications": each step a push passes, in order, and the first
/// that fails, or the round trip.
public struct PushSelfTest: Sendable {
    let device: PushDevice
    let core: CustomerServiceClient
    let deliveryTimeout: TimeInterval

    /// The kind of token this check tests (FCM for messages, VoIP for calls).
    public var platform: PushPlatform { device.platform }
    public var serviceName: String { device.serviceName }

    public init(device: PushDevice, core: CustomerServiceClient, deliveryTimeout: TimeInterval = 20) {
        self.device = device
        self.core = core
        self.deliveryTimeout = deliveryTimeout
    }

    public func run(onStep: @Sendable (PushCheckStep) -> Void = { _ in }) async -> PushCheckResult {
        onStep(.notifications)
        guard await device.notificationsAllowed() else {
            return .failed(.notifications, "Notifications are turned off for this app. Turn them on in Settings.")
        }
        onStep(.token)
        let token: String
        do { token = try await device.token() } catch {
            return .failed(.token, "This device has no push token: \(error)")
        }
        onStep(.server)
        // Listen before asking, so a push faster than the server's answer is not missed.
        let arrivals = device.testPushes()
        let askedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let outcome: TestPushOutcome
        do {
            try await core.registerPushToken(token, platform: device.platform)
            outcome = try await core.sendTestPush(token)
        } catch CoreError.Offline {
            return .failed(.server, "The server cannot be reached.")
        } catch CoreError.Unauthorized, CoreError.SignedOut {
            return .failed(.server, "You are signed out: sign in again.")
        } catch {
            return .failed(.server, "The server refused the test: \(userMessage(error))")
        }
        let pushId: String
        switch outcome {
        case .sent(let id, _): pushId = id
        case .notRegistered(let message): return .failed(.server, message)
        case .pushDisabled where device.platform == .iosVoip:
            return .failed(.server, "Calls cannot ring this iPhone while the app is closed: this server has no APNs key.")
        case .pushDisabled: return .failed(.server, "Push notifications are off on this server.")
        case .tokenRejected: return .failed(.service, "\(device.serviceName) no longer accepts this device's token.")
        case .fcmFailed(_, let message): return .failed(.service, message)
        }
        onStep(.delivery)
        let timeout = deliveryTimeout
        let arrived: Int64? = await withTaskGroup(of: Int64?.self) { group in
            group.addTask {
                for await push in arrivals where push.pushId == pushId { return push.receivedAtMs }
                return nil
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let arrived else {
            return .failed(
                .delivery,
                "The server sent a test push but it did not arrive within \(Int(timeout)) s. Low Power Mode and Focus can hold pushes back.")
        }
        return .passed(roundTripMs: max(0, arrived - askedAt))
    }
}
