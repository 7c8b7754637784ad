import CustomerServiceKit
import FirebaseMessaging
import Foundation
import UserNotifications

/// The push self-test's view of this iPhone's FCM side: notification permission, the FCM token, and the test pushes
/// that arrive (`AppServices.handle` reports them).
final class PhonePushDevice: PushDevice, @unchecked Sendable {
    let arrivals = PushArrivals()

    func notificationsAllowed() async -> Bool {
        let settings = await UNUserNotificationCenter.current().notificationSettings()
        if settings.authorizationStatus == .notDetermined {
            return (try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])) ?? false
        }
        return settings.authorizationStatus == .authorized || settings.authorizationStatus == .provisional
    }

    func token() async throws -> String { try await Messaging.messaging().token() }

    func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> { arrivals.stream() }
}

/// The self-test's view of this iPhone's PushKit side: the VoIP token that rings it through APNs, and the test VoIP
/// pushes that arrive (`CallKitController` reports them, after showing them to CallKit as iOS requires). VoIP pushes
/// need no notification permission.
final class VoipPushDevice: PushDevice, @unchecked Sendable {
    let arrivals = PushArrivals()
    private let services: AppServices

    init(services: AppServices) { self.services = services }

    var platform: PushPlatform { .iosVoip }

    func notificationsAllowed() async -> Bool { true }

    func token() async throws -> String {
        _ = services.calls  // PushKit registers once CallKit is set up
        for _ in 0..<50 {
            if let token = services.voipToken { return token }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw VoipTokenMissing()
    }

    func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> { arrivals.stream() }
}

struct VoipTokenMissing: Error, CustomStringConvertible {
    var description: String { "PushKit has not given this iPhone a VoIP token (the simulator has none)." }
}
