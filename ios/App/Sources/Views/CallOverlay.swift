import CustomerServiceKit
import SwiftUI

/// The in-app call screen over everything while a call rings or is under way (when the phone is locked, CallKit's
/// system screen shows instead; answering there brings the app here).
struct CallOverlay: View {
    @State var model: Observed<CallModel, CallState>

    var body: some View {
        let s = model.state
        if let call = s.call {
            VStack(spacing: 24) {
                Text(call.callerName ?? "Customer Service").font(.largeTitle)
                Text(call.ticketSubject ?? "").foregroundStyle(.secondary)
                Text(call.phase == .connected ? String(format: "%d:%02d", s.elapsedSeconds / 60, s.elapsedSeconds % 60) : call.phase.label(call.direction))
                    .monospacedDigit()
                if let error = s.error { Text(error).foregroundStyle(.red) }
                HStack(spacing: 40) {
                    if s.kind == .incoming {
                        Button("Decline", systemImage: "phone.down.fill", role: .destructive) { model.model.send(.decline) }
                        Button("Accept", systemImage: "phone.fill") { model.model.send(.accept) }.tint(.green)
                    } else if !s.ended {
                        Button(call.muted ? "Unmute" : "Mute", systemImage: call.muted ? "mic.slash.fill" : "mic.fill") { model.model.send(.toggleMute) }
                        Button("Hang up", systemImage: "phone.down.fill", role: .destructive) { model.model.send(.hangUp) }
                    }
                }
                .buttonStyle(.borderedProminent)
                .disabled(s.busy)
            }
            .frame(maxWidth: .infinity, maxHeight: .infinity)
            .background(.regularMaterial)
        }
    }
}
