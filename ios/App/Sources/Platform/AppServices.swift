import CustomerServiceKit
import Foundation

/// What the app holds for the whole process: one core (opened off the main thread, its cache in Application
/// Support, its token in the Keychain), the push router, CallKit. The views get the core through `SessionModel`.
final class AppServices: @unchecked Sendable {
    let serverURL: String
    private(set) var core: CustomerServiceClient?
    let router = PushRouter()
    let pushDevice = PhonePushDevice()
    lazy var voipDevice = VoipPushDevice(services: self)
    var voipToken: String?
    var alertToken: String?
    lazy var calls = CallKitController(services: self)

    init() {
        serverURL = Bundle.main.object(forInfoDictionaryKey: "CSServerURL") as? String ?? "http://127.0.0.1:8080"
    }

    /// Opens the core (the cache) on a background task; the first screen waits for it.
    func open() async throws -> CustomerServiceClient {
        if let core { return core }
        let serverURL = self.serverURL
        let opened = try await Task.detached(priority: .userInitiated) {
            let support = try FileManager.default.url(
                for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            let dataDir = support.appendingPathComponent("core", isDirectory: true)
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
            return try CustomerServiceClient(serverURL: serverURL, dataDir: dataDir.path, tokenStore: KeychainTokenStore())
        }.value
        core = opened
        _ = calls  // PushKit registers as soon as CallKit is ready
        watchCalls(opened)
        return opened
    }

    /// Calls the socket announces while the app runs ring through CallKit as a push would; calls that stop ringing end
    /// there too.
    private func watchCalls(_ core: CustomerServiceClient) {
        Task {
            var ringing = Set<String>()
            for await calls in core.calls() {
                for call in calls where call.direction == .incoming && call.phase == .ringing && !ringing.contains(call.id) {
                    ringing.insert(call.id)
                    self.calls.report(
                        IncomingCall(
                            callId: call.id, ticketId: call.ticketId, callerName: call.callerName ?? "",
                            ticketSubject: call.ticketSubject ?? ""),
                        endAtOnce: false)
                }
                for id in ringing where calls.first(where: { $0.id == id })?.phase != .ringing {
                    ringing.remove(id)
                    if case .ended(let outcome) = calls.first(where: { $0.id == id })?.phase {
                        self.calls.end(callId: id, reason: outcome)
                    }
                }
            }
        }
    }

    /// A normal push (APNs alert through FCM): notifications, stop ringing, the self-test.
    func handle(_ userInfo: [AnyHashable: Any]) {
        guard let core else { return }
        let data = userInfo.reduce(into: [String: String]()) { out, pair in
            if let key = pair.key as? String, let value = pair.value as? String { out[key] = value }
        }
        guard let action = try? core.pushAction(data) else { return }
        switch router.decide(action, calls: core.client.calls()) {
        case .stopRinging(let callId, let reason): calls.end(callId: callId, reason: reason)
        case .ring(let call, _): calls.report(call, endAtOnce: false)
        case .testArrived(let pushId, _, let receivedAtMs): pushDevice.arrivals.arrived(pushId: pushId, receivedAtMs: receivedAtMs)
        default: break  // messages and status changes are shown by the system from the APNs alert
        }
    }
}
