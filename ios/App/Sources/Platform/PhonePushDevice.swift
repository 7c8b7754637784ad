import CustomerServiceKit
import FirebaseMessaging
import Foundation
import UserNotifications

/// The push self-test's view of this iPhone: notification permission, the FCM token, and the test pushes that arrive
/// (`AppServices.handle` reports them).
final class PhonePushDevice: PushDevice, @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [UUID: AsyncStream<(pushId: String, receivedAtMs: Int64)>.Continuation] = [:]

    func notificationsAllowed() async -> Bool {
        let settings = await UNUserNotificationCenter.current().notificationSettings()
        if settings.authorizationStatus == .notDetermined {
            return (try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])) ?? false
        }
        return settings.authorizationStatus == .authorized || settings.authorizationStatus == .provisional
    }

    func token() async throws -> String { try await Messaging.messaging().token() }

    func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> {
        AsyncStream { continuation in
            let id = UUID()
            lock.withLock { listeners[id] = continuation }
            continuation.onTermination = { [weak self] _ in self?.lock.withLock { _ = self?.listeners.removeValue(forKey: id) } }
        }
    }

    func arrived(pushId: String, receivedAtMs: Int64) {
        lock.withLock { Array(listeners.values) }.forEach { $0.yield((pushId, receivedAtMs)) }
    }
}
