import AVFAudio
import CallKit
import CustomerServiceKit
import Foundation
import PushKit

/// Calls through the system: PushKit wakes the app for a call, CallKit shows the incoming-call screen (over the lock
/// screen too) and the call in the Phone app's UI, and the audio session is the system's. Every VoIP push is reported
/// to CallKit at once, as iOS requires (a push for a call that no longer rings is reported and ended at once; see
/// `PushRouter`). Accept and Decline on the system screen drive the core.
final class CallKitController: NSObject, CXProviderDelegate, PKPushRegistryDelegate, @unchecked Sendable {
    private let services: AppServices
    private let provider: CXProvider
    private let callController = CXCallController()
    private let voip = PKPushRegistry(queue: .main)
    private var uuids: [String: UUID] = [:]  // call id → CallKit's UUID
    private var device: AudioEngineDevice?

    init(services: AppServices) {
        self.services = services
        let configuration = CXProviderConfiguration()
        configuration.supportsVideo = false
        configuration.maximumCallsPerCallGroup = 1
        configuration.supportedHandleTypes = [.generic]
        configuration.includesCallsInRecents = true
        provider = CXProvider(configuration: configuration)
        super.init()
        provider.setDelegate(self, queue: nil)
        voip.delegate = self
        voip.desiredPushTypes = [.voIP]
    }

    /// A fresh engine device for the next call (started when CallKit activates the audio session).
    func newDevice() -> AudioDevice {
        let device = AudioEngineDevice()
        self.device = device
        return device
    }

    // PushKit

    func pushRegistry(_ registry: PKPushRegistry, didUpdate credentials: PKPushCredentials, for type: PKPushType) {
        let token = credentials.token.map { String(format: "%02x", $0) }.joined()
        services.voipToken = token
        // A device of its own kind: the server keeps VoIP tokens for incoming calls through APNs, never for FCM.
        Task { try? await services.open().registerPushToken(token, platform: .iosVoip) }
    }

    func pushRegistry(
        _ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType,
        completion: @escaping () -> Void
    ) {
        let data = payload.dictionaryPayload.reduce(into: [String: String]()) { out, pair in
            if let key = pair.key as? String, let value = pair.value as? String { out[key] = value }
        }
        let action = try? parsePush(data: data)
        let decision =
            action.map { services.router.decide($0, calls: services.core?.client.calls() ?? [], voip: true) }
            ?? .reportAndEnd(IncomingCall(callId: UUID().uuidString, ticketId: "", callerName: "", ticketSubject: ""), why: "not a call push")
        switch decision {
        case .ring(let call, _): report(call, endAtOnce: false, completion: completion)
        case .reportAndEnd(let call, _): report(call, endAtOnce: true, completion: completion)
        case .testArrived(let pushId, _, let receivedAtMs):
            // The VoIP self-test: shown to CallKit like any VoIP push, and ended at once.
            services.voipDevice.arrivals.arrived(pushId: pushId, receivedAtMs: receivedAtMs)
            let check = IncomingCall(callId: pushId, ticketId: "", callerName: "Notification check", ticketSubject: "")
            report(check, endAtOnce: true, completion: completion)
        default: report(IncomingCall(callId: UUID().uuidString, ticketId: "", callerName: "", ticketSubject: ""), endAtOnce: true, completion: completion)
        }
    }

    /// Reports a call ringing here (from a push, or from the socket while the app runs).
    func report(_ call: IncomingCall, endAtOnce: Bool, completion: @escaping () -> Void = {}) {
        let uuid = uuids[call.callId] ?? UUID()
        uuids[call.callId] = uuid
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: .generic, value: call.callerName.isEmpty ? "Customer Service" : call.callerName)
        update.localizedCallerName = call.callerName
        update.hasVideo = false
        provider.reportNewIncomingCall(with: uuid, update: update) { [provider] _ in
            if endAtOnce { provider.reportCall(with: uuid, endedAt: nil, reason: .remoteEnded) }
            completion()
        }
    }

    /// The call stopped ringing elsewhere (answered on another device, cancelled, missed).
    func end(callId: String, reason: String) {
        guard let uuid = uuids.removeValue(forKey: callId) else { return }
        let why: CXCallEndedReason =
            reason == "answered_elsewhere" ? .answeredElsewhere : reason == "declined" ? .declinedElsewhere : .remoteEnded
        provider.reportCall(with: uuid, endedAt: nil, reason: why)
    }

    private func callId(for uuid: UUID) -> String? { uuids.first { $0.value == uuid }?.key }

    // CallKit

    func providerDidReset(_ provider: CXProvider) {
        device?.stop()
        uuids.removeAll()
    }

    func provider(_ provider: CXProvider, perform action: CXAnswerCallAction) {
        guard let callId = callId(for: action.callUUID), let core = services.core else { return action.fail() }
        let audio = newDevice()
        Task {
            do {
                _ = try await core.acceptCall(callId, audio: audio)
                action.fulfill()
            } catch {
                action.fail()
            }
        }
    }

    func provider(_ provider: CXProvider, perform action: CXEndCallAction) {
        guard let callId = callId(for: action.callUUID), let core = services.core else { return action.fulfill() }
        uuids.removeValue(forKey: callId)
        let ringing = core.client.calls().first { $0.id == callId }?.phase == .ringing
        Task {
            // Declining a ringing call, hanging up one under way; offline, the server ends it at the ring deadline.
            if ringing { try? await core.declineCall(callId) } else { try? await core.hangUp(callId) }
            action.fulfill()
        }
    }

    func provider(_ provider: CXProvider, perform action: CXSetMutedCallAction) {
        guard let callId = callId(for: action.callUUID) else { return action.fail() }
        try? services.core?.setCallMuted(callId, action.isMuted)
        action.fulfill()
    }

    func provider(_ provider: CXProvider, didActivate audioSession: AVAudioSession) {
        try? audioSession.setCategory(.playAndRecord, mode: .voiceChat, options: [.allowBluetooth])
        try? device?.start()
    }

    func provider(_ provider: CXProvider, didDeactivate audioSession: AVAudioSession) {
        device?.stop()
        device = nil
    }
}
