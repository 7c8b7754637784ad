import CustomerServiceCore
import Foundation

/// What the phone gives the push self-test: permission, its push token, and the test pushes it receives.
public protocol PushDevice: Sendable {
    /// Whether the user lets the app show notifications.
    func notificationsAllowed() async -> Bool
    /// This device's push token; throws with a readable message when there is none.
    func token() async throws -> String
    /// Every test push this device receives (the app feeds `PushRouter`'s `.testArrived` here).
    func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)>
}

/// The steps of the self-test, in order: the first that fails says where pushes stop.
public enum PushCheckStep: Int, CaseIterable, Sendable { case notifications, token, server, fcm, delivery }

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
            try await core.registerPushToken(token)
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
        case .pushDisabled: return .failed(.server, "Push notifications are off on this server.")
        case .tokenRejected: return .failed(.fcm, "FCM no longer accepts this device's token.")
        case .fcmFailed(_, let message): return .failed(.fcm, message)
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
