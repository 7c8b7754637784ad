import AVFAudio
import CustomerServiceKit
import Foundation

/// A call's microphone and speaker over `AVAudioEngine` with the system's voice processing (echo cancellation, noise
/// suppression, automatic gain), converted to the core's 48 kHz mono 16-bit 20 ms frames. Both directions are
/// bounded to three frames, so the core's clock and the audio hardware's never drift into added latency. Start it in
/// CallKit's `provider(_:didActivate:)`, once the system has activated the audio session.
final class AudioEngineDevice: AudioDevice, @unchecked Sendable {
    static let frameSamples = 960
    private let format = AVAudioFormat(commonFormat: .pcmFormatInt16, sampleRate: 48_000, channels: 1, interleaved: true)!
    private let engine = AVAudioEngine()
    private let player = AVAudioPlayerNode()
    private let lock = NSLock()
    private var captured: [[Int16]] = []
    private var pending: [Int16] = []
    /// Frames handed to the player and not yet played.
    private var queued = 0

    func start() throws {
        try engine.inputNode.setVoiceProcessingEnabled(true)
        let input = engine.inputNode
        let hardware = input.outputFormat(forBus: 0)
        guard let converter = AVAudioConverter(from: hardware, to: format) else {
            throw AudioDeviceError("the microphone's format cannot be converted")
        }
        input.installTap(onBus: 0, bufferSize: 1024, format: hardware) { [weak self] buffer, _ in
            self?.capture(buffer, converter)
        }
        engine.attach(player)
        engine.connect(player, to: engine.mainMixerNode, format: format)
        try engine.start()
        player.play()
    }

    func stop() {
        engine.inputNode.removeTap(onBus: 0)
        player.stop()
        engine.stop()
    }

    private func capture(_ buffer: AVAudioPCMBuffer, _ converter: AVAudioConverter) {
        let capacity = AVAudioFrameCount(Double(buffer.frameLength) * 48_000 / buffer.format.sampleRate) + 1
        guard let out = AVAudioPCMBuffer(pcmFormat: format, frameCapacity: capacity) else { return }
        var fed = false
        converter.convert(to: out, error: nil) { _, status in
            if fed { status.pointee = .noDataNow; return nil }
            fed = true
            status.pointee = .haveData
            return buffer
        }
        guard let samples = out.int16ChannelData?[0] else { return }
        lock.withLock {
            pending.append(contentsOf: UnsafeBufferPointer(start: samples, count: Int(out.frameLength)))
            while pending.count >= Self.frameSamples {
                captured.append(Array(pending.prefix(Self.frameSamples)))
                pending.removeFirst(Self.frameSamples)
                if captured.count > 3 { captured.removeFirst() }  // bounded: drift never adds latency
            }
        }
    }

    func captureFrame() -> [Int16] {
        lock.withLock { captured.isEmpty ? [] : captured.removeFirst() }
    }

    func playFrame(pcm: [Int16]) {
        // At most three frames wait for the speaker: a burst from the network is dropped, not delayed.
        guard lock.withLock({ queued < 3 ? { queued += 1; return true }() : false }) else { return }
        guard let buffer = AVAudioPCMBuffer(pcmFormat: format, frameCapacity: AVAudioFrameCount(pcm.count)) else {
            return
        }
        buffer.frameLength = AVAudioFrameCount(pcm.count)
        pcm.withUnsafeBufferPointer { buffer.int16ChannelData![0].update(from: $0.baseAddress!, count: pcm.count) }
        player.scheduleBuffer(buffer) { [weak self] in
            guard let self else { return }
            self.lock.withLock { self.queued -= 1 }
        }
    }
}

struct AudioDeviceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The screens' call audio on the iPhone: asks for the microphone, then hands out an engine device (started by
/// CallKit's audio-session activation).
struct PhoneCallAudio: CallAudio {
    let calls: CallKitController

    func device() throws -> AudioDevice { calls.newDevice() }

    func requestMicrophone() async -> Bool { await AVAudioApplication.requestRecordPermission() }
}
