import CustomerServiceKit
import SwiftUI

/// "Check notifications": each step a push takes to this iPhone, and where it stops.
struct PushCheckView: View {
    let selfTest: PushSelfTest
    @State private var statuses: [PushCheckStep: String] = [:]
    @State private var result: PushCheckResult?
    @State private var running = false

    var body: some View {
        List {
            Section {
                ForEach(PushCheckStep.allCases, id: \.self) { step in
                    LabeledContent(title(step), value: statuses[step] ?? "waiting")
                }
            } footer: {
                switch result {
                case .passed(let ms): Text("Notifications work: a test push arrived \(ms) ms after asking.")
                case .failed(_, let why): Text(why).foregroundStyle(.red)
                case nil: EmptyView()
                }
            }
            Button(running ? "Checking…" : "Check again") { Task { await run() } }.disabled(running)
        }
        .navigationTitle("Check notifications")
        .task { await run() }
    }

    private func title(_ step: PushCheckStep) -> String {
        switch step {
        case .notifications: return "Notifications allowed"
        case .token: return "This iPhone's push address"
        case .server: return "The server sends a test push"
        case .fcm: return "Firebase accepts it"
        case .delivery: return "The push arrives here"
        }
    }

    @MainActor private func run() async {
        running = true
        statuses = [:]
        result = nil
        let outcome = await selfTest.run { step in Task { @MainActor in statuses[step] = "checking" } }
        let failedAt: PushCheckStep? = if case .failed(let step, _) = outcome { step } else { nil }
        for step in PushCheckStep.allCases {
            statuses[step] =
                failedAt == nil || step.rawValue < failedAt!.rawValue ? "passed" : step == failedAt ? "failed" : "not reached"
        }
        result = outcome
        running = false
    }
}
