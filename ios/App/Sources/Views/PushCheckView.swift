import CustomerServiceKit
import SwiftUI

/// "Check notifications": each step a push takes to this iPhone, and where it stops, for messages (the FCM token)
/// and for calls (the PushKit token, which the server rings through APNs; iOS shows that test push as a call from
/// "Notification check" that ends at once).
struct PushCheckView: View {
    let checks: [PushSelfTest]

    var body: some View {
        List {
            ForEach(checks.indices, id: \.self) { index in PushCheckSection(check: checks[index]) }
        }
        .navigationTitle("Check notifications")
    }
}

private struct PushCheckSection: View {
    let check: PushSelfTest
    @State private var statuses: [PushCheckStep: String] = [:]
    @State private var result: PushCheckResult?
    @State private var running = false

    var body: some View {
        Section {
            ForEach(PushCheckStep.allCases, id: \.self) { step in
                LabeledContent(title(step), value: statuses[step] ?? "waiting")
            }
            Button(running ? "Checking…" : "Check again") { Task { await run() } }.disabled(running)
        } header: {
            Text(check.platform == .iosVoip ? "Calls" : "Messages")
        } footer: {
            switch result {
            case .passed(let ms): Text("It works: a test push arrived \(ms) ms after asking.")
            case .failed(_, let why): Text(why).foregroundStyle(.red)
            case nil: EmptyView()
            }
        }
        .task { await run() }
    }

    private func title(_ step: PushCheckStep) -> String {
        switch step {
        case .notifications: return check.platform == .iosVoip ? "Calls allowed" : "Notifications allowed"
        case .token: return check.platform == .iosVoip ? "This iPhone's call address" : "This iPhone's push address"
        case .server: return "The server sends a test push"
        case .service: return "\(check.serviceName) accepts it"
        case .delivery: return "The push arrives here"
        }
    }

    @MainActor private func run() async {
        running = true
        statuses = [:]
        result = nil
        let outcome = await check.run { step in Task { @MainActor in statuses[step] = "checking" } }
        let failedAt: PushCheckStep? = if case .failed(let step, _) = outcome { step } else { nil }
        for step in PushCheckStep.allCases {
            statuses[step] =
                failedAt == nil || step.rawValue < failedAt!.rawValue ? "passed" : step == failedAt ? "failed" : "not reached"
        }
        result = outcome
        running = false
    }
}
