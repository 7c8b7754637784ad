import CustomerServiceCore

/// Where a call's audio comes from and goes to: the microphone and speaker (`AVAudioEngine` with voice processing in
/// the app), or the core's tone and analyser in tests. A new device per call.
public protocol CallAudio: Sendable {
    /// Opens a device for one call; throws when the microphone or speaker cannot be had.
    func device() throws -> AudioDevice
    /// Asks the user for the microphone right before a call is placed or answered; false if they refused.
    func requestMicrophone() async -> Bool
}

extension CallAudio {
    public func requestMicrophone() async -> Bool { true }
}

public enum CallAudioMessages {
    public static let microphoneRefused = "Calls need the microphone. Allow it for this app in Settings."
}
