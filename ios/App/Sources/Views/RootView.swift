import CustomerServiceKit
import SwiftUI

/// Waits for the core, then shows sign-in or the signed-in app.
struct RootView: View {
    let services: AppServices
    let links: DeepLinks
    @State private var core: CustomerServiceClient?
    @State private var user: UserInfo?
    @State private var failure: String?

    var body: some View {
        Group {
            if let core, let user {
                SignedInView(
                    core: core, user: user, audio: PhoneCallAudio(calls: services.calls), links: links,
                    pushChecks: [
                        PushSelfTest(device: services.pushDevice, core: core),
                        PushSelfTest(device: services.voipDevice, core: core),
                    ]
                ) {
                    Task {
                        try? await core.signOut()
                        self.user = nil
                    }
                }
            } else if let core {
                SignInView(model: Observed(SignInModel(core: core, serverURL: services.serverURL) { signedIn in
                    Task { @MainActor in user = signedIn }
                }))
            } else if let failure {
                ContentUnavailableView("Couldn't open the app's data", systemImage: "exclamationmark.triangle", description: Text(failure))
            } else {
                ProgressView()
            }
        }
        .task {
            do {
                let opened = try await services.open()
                core = opened
                user = opened.currentUser
            } catch {
                failure = userMessage(error)
            }
        }
    }
}

/// The list and the open ticket: side by side on iPad (a split view), stacked on iPhone.
struct SignedInView: View {
    let core: CustomerServiceClient
    let user: UserInfo
    let audio: CallAudio
    let links: DeepLinks
    let pushChecks: [PushSelfTest]
    let signOut: () -> Void
    @State private var selected: String?
    @State private var checkingPush = false
    @State private var creating = false
    @State private var showingOutbox = false
    @State private var showingReport = false

    /// Supervisors (their department's) and admins (any department's) read the daily report.
    private var readsReports: Bool { user.role == .supervisor || user.role == .admin }

    var body: some View {
        NavigationSplitView {
            TicketListView(model: Observed(TicketListModel(core: core, staff: user.role != .customer)), selected: $selected)
                .navigationTitle(user.role == .customer ? "My tickets" : "Queue")
                .toolbar {
                    ToolbarItem { Button("Outbox", systemImage: "tray.and.arrow.up") { showingOutbox = true } }
                    ToolbarItem { Button("Check notifications", systemImage: "bell.badge") { checkingPush = true } }
                    if readsReports {
                        ToolbarItem { Button("Daily report", systemImage: "chart.bar") { showingReport = true } }
                    }
                    // Staff open tickets too, on a customer's behalf.
                    ToolbarItem { Button("New ticket", systemImage: "square.and.pencil") { creating = true } }
                    ToolbarItem(placement: .cancellationAction) { Button("Sign out", action: signOut) }
                }
        } detail: {
            if let selected {
                TicketView(model: Observed(ConversationModel(core: core, ticketId: selected, me: user, audio: audio)))
                    .id(selected)
            } else {
                ContentUnavailableView("Select a ticket", systemImage: "bubble.left.and.bubble.right")
            }
        }
        .sheet(isPresented: $creating) {
            NewTicketView(model: Observed(NewTicketModel(core: core, staff: user.role == .customer ? nil : user) { id in
                Task { @MainActor in
                    creating = false
                    selected = id
                }
            }))
        }
        .sheet(isPresented: $showingOutbox) { OutboxView(model: Observed(OutboxModel(core: core))) }
        .sheet(isPresented: $showingReport) {
            ReportView(
                model: Observed(ReportModel(core: core, departmentId: user.role == .admin ? nil : user.departmentId)),
                choosesDepartment: user.role == .admin)
        }
        .sheet(isPresented: $checkingPush) { NavigationStack { PushCheckView(checks: pushChecks) } }
        .overlay { CallOverlay(model: Observed(CallModel(core: core, audio: audio))) }
        .onChange(of: links.ticketId) { _, id in if let id { selected = id } }
    }
}
