import CustomerServiceKit
import FirebaseCore
import FirebaseMessaging
import SwiftUI
import UserNotifications

/// The app: one `AppServices` for the process, the window's root view, and the push glue.
@main
struct CustomerServiceApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup { RootView(services: delegate.services, links: delegate.links) }
    }
}

/// Tickets to bring to the front from outside the screens (a tapped notification).
@MainActor @Observable
final class DeepLinks {
    var ticketId: String?
}

/// Glue (UIKit, Firebase): message notifications through FCM (APNs alerts), as on Android; taps open the ticket.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate, MessagingDelegate {
    let services = AppServices()
    @MainActor let links = DeepLinks()

    func application(
        _ application: UIApplication, didFinishLaunchingWithOptions options: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        FirebaseApp.configure()
        Messaging.messaging().delegate = self
        UNUserNotificationCenter.current().delegate = self
        application.registerForRemoteNotifications()
        Task { _ = try? await services.open() }
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken token: Data) {
        Messaging.messaging().apnsToken = token
    }

    func messaging(_ messaging: Messaging, didReceiveRegistrationToken token: String?) {
        guard let token else { return }
        services.alertToken = token
        Task { try? await services.open().registerPushToken(token, platform: .ios) }
    }

    func application(
        _ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any]
    ) async -> UIBackgroundFetchResult {
        services.handle(userInfo)
        return .newData
    }

    func userNotificationCenter(
        _ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse
    ) async {
        let ticketId = response.notification.request.content.userInfo["ticket_id"] as? String
        await MainActor.run { links.ticketId = ticketId }
    }

    func userNotificationCenter(
        _ center: UNUserNotificationCenter, willPresent notification: UNNotification
    ) async -> UNNotificationPresentationOptions {
        services.handle(notification.request.content.userInfo)
        return [.banner, .sound]
    }
}
