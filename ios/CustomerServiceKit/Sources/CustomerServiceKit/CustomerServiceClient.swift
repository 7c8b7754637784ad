import Foundation
@_exported import CustomerServiceCore

/// What the app's screens hold: the core's `Client` with `async` functions and `AsyncStream`s instead of listeners.
/// Calls that touch the core's cache run on a background task, never on the caller's (main) thread. Errors are the
/// core's typed `CoreError`s. Anything not wrapped here is on `client`.
public final class CustomerServiceClient: @unchecked Sendable {
    public let client: Client

    public init(client: Client) { self.client = client }

    /// Opens the cache in `dataDir` and restores the session kept in `tokenStore`. Call it off the main thread.
    public convenience init(serverURL: String, dataDir: String, tokenStore: TokenStore) throws {
        self.init(client: try Client(serverUrl: serverURL, dataDir: dataDir, tokenStore: tokenStore))
    }

    public var currentUser: UserInfo? { client.currentUser() }
    public var syncState: SyncState { client.syncState() }

    // Session

    public func register(email: String, password: String, name: String) async throws -> UserInfo {
        try await client.register(email: email, password: password, name: name)
    }

    public func signIn(email: String, password: String) async throws -> UserInfo {
        try await client.signIn(email: email, password: password)
    }

    public func signOut() async throws { try await client.signOut() }

    // Observing: the first value comes at once from the cache; ending the stream ends the core's subscription.

    public func tickets(_ filter: TicketFilter = .all, limit: UInt32 = 50) -> AsyncStream<[TicketItem]> {
        coreStream { client.observeTickets(filter: filter, limit: limit, listener: $0) }
    }

    public func ticket(_ ticketId: String) -> AsyncStream<TicketDetail> {
        coreStream { client.observeTicket(ticketId: ticketId, listener: $0) }
    }

    public func syncStates() -> AsyncStream<SyncState> {
        coreStream { client.observeSyncState(listener: $0) }
    }

    public func calls() -> AsyncStream<[CallInfo]> {
        coreStream { client.observeCalls(listener: $0) }
    }

    public func colleagues() -> AsyncStream<[Colleague]> {
        coreStream { client.observeColleagues(listener: $0) }
    }

    /// Every cached canned reply now and after each change (a colleague's edit included).
    public func cannedRepliesUpdates() -> AsyncStream<[CannedReplyItem]> {
        coreStream { client.observeCannedReplies(listener: $0) }
    }

    // Tickets on a customer's behalf (staff), and the invited customer's sign-in link

    public func findCustomer(email: String) async throws -> CustomerInfo {
        try await client.findCustomer(email: email)
    }

    public func inviteCustomer(email: String, name: String) async throws -> CustomerInviteInfo {
        try await client.inviteCustomer(email: email, name: name)
    }

    /// Opens a ticket for a customer, written by the staff member; shown at once, sent when online.
    public func createTicketFor(customerId: String, departmentId: String, subject: String, body: String) async throws
        -> TicketItem
    {
        try await background {
            try $0.createTicketFor(customerId: customerId, departmentId: departmentId, subject: subject, body: body)
        }
    }

    public func signInWithLink(_ link: String) async throws -> UserInfo { try await client.signInWithLink(link: link) }

    // Canned replies (staff): read from the cache, offline too; written by supervisors and admins (needs the server)

    /// The cached replies of `departmentId` (every one cached when nil) whose title contains `query`, by title.
    public func cannedReplies(departmentId: String?, query: String = "") async throws -> [CannedReplyItem] {
        try await background { try $0.cannedReplies(departmentId: departmentId, query: query) }
    }

    /// A reply's body filled in for a cached ticket: the customer's name, the ticket number, the user's name.
    public func fillCannedReply(_ replyId: String, ticketId: String) async throws -> String {
        try await background { try $0.fillCannedReply(replyId: replyId, ticketId: ticketId) }
    }

    public func createCannedReply(departmentId: String?, title: String, body: String) async throws -> CannedReplyItem {
        try await client.createCannedReply(departmentId: departmentId, title: title, body: body)
    }

    public func updateCannedReply(_ id: String, title: String?, body: String?) async throws -> CannedReplyItem {
        try await client.updateCannedReply(id: id, title: title, body: body)
    }

    public func deleteCannedReply(_ id: String) async throws { try await client.deleteCannedReply(id: id) }

    // Service-level targets: read by the department's staff, set by its supervisors and admins (needs the server)

    public func slaPolicy(departmentId: String) async throws -> SlaPolicyInfo {
        try await client.slaPolicy(departmentId: departmentId)
    }

    /// Replaces the department's targets; they apply to tickets opened or re-prioritised after.
    public func setSlaPolicy(departmentId: String, policy: SlaPolicyInfo) async throws -> SlaPolicyInfo {
        try await client.setSlaPolicy(departmentId: departmentId, policy: policy)
    }

    // The daily report: read by the department's supervisors and admins (needs the server), the last one kept offline

    /// The department's report from `from` to `to` (`YYYY-MM-DD`, inclusive, at most 366 days); kept in the cache.
    public func dailyReport(departmentId: String, from: String, to: String) async throws -> DailyReportInfo {
        try await client.dailyReport(departmentId: departmentId, from: from, to: to)
    }

    /// The last report read of the department, whatever its range; nil before the first. From the cache, offline too.
    public func cachedDailyReport(departmentId: String) async throws -> DailyReportInfo? {
        try await background { try $0.cachedDailyReport(departmentId: departmentId) }
    }

    /// The same report as CSV (a row per day, and per day and agent), for a spreadsheet.
    public func dailyReportCsv(departmentId: String, from: String, to: String) async throws -> String {
        try await client.dailyReportCsv(departmentId: departmentId, from: from, to: to)
    }

    // Changes: shown at once as pending, sent when the server is reachable

    public func createTicket(departmentId: String, subject: String, body: String) async throws -> TicketItem {
        try await background { try $0.createTicket(departmentId: departmentId, subject: subject, body: body) }
    }

    public func sendMessage(
        ticketId: String, body: String, attachmentIds: [String] = [], internal: Bool = false
    ) async throws -> MessageItem {
        try await background {
            try $0.sendMessage(ticketId: ticketId, body: body, attachmentIds: attachmentIds, internal: `internal`)
        }
    }

    public func closeTicket(_ ticketId: String) async throws {
        try await background { try $0.closeTicket(ticketId: ticketId) }
    }

    /// The customer rates their resolved ticket, 1 to 5, once.
    public func rateTicket(_ ticketId: String, score: Int, comment: String?) async throws {
        try await background { try $0.rateTicket(ticketId: ticketId, score: UInt8(score), comment: comment) }
    }

    public func updateTicket(_ ticketId: String, _ changes: TicketChanges) async throws {
        try await background { try $0.updateTicket(ticketId: ticketId, changes: changes) }
    }

    public func countTickets(_ filter: TicketFilter) async throws -> Int {
        Int(try await background { try $0.countTickets(filter: filter) })
    }

    public func setStatus(_ status: StaffStatus) async throws -> UserInfo {
        try await client.setStatus(status: status)
    }

    public func departments() async throws -> [DepartmentInfo] {
        try await background { try $0.departments() }
    }

    public func refreshDepartments() async throws -> [DepartmentInfo] {
        try await client.refreshDepartments()
    }

    public func outbox() async throws -> [OutboxItem] {
        try await background { try $0.outbox() }
    }

    public func retryOutboxItem(_ id: Int64) async throws {
        try await background { try $0.retryOutboxItem(id: id) }
    }

    public func discardOutboxItem(_ id: Int64) async throws {
        try await background { try $0.discardOutboxItem(id: id) }
    }

    /// `note`: staff writing an internal note, shown typing to colleagues only.
    public func setTyping(_ ticketId: String, _ typing: Bool, note: Bool = false) {
        try? client.setTyping(ticketId: ticketId, typing: typing, internal: note)
    }

    public func markRead(ticketId: String, messageId: String) async throws {
        try await client.markRead(ticketId: ticketId, messageId: messageId)
    }

    public func reconnectNow() { client.reconnectNow() }

    // Calls

    public func placeCall(ticketId: String, audio: AudioDevice) async throws -> CallInfo {
        try await client.placeCall(ticketId: ticketId, audio: audio)
    }

    public func acceptCall(_ callId: String, audio: AudioDevice) async throws -> CallInfo {
        try await client.acceptCall(callId: callId, audio: audio)
    }

    public func declineCall(_ callId: String) async throws { try await client.declineCall(callId: callId) }

    public func hangUp(_ callId: String) async throws { try await client.hangUp(callId: callId) }

    public func setCallMuted(_ callId: String, _ muted: Bool) throws {
        try client.setCallMuted(callId: callId, muted: muted)
    }

    // Push

    /// Registers an APNs alert token (through FCM) or the PushKit VoIP token.
    public func registerPushToken(_ token: String, platform: PushPlatform = .ios) async throws {
        try await client.registerPushToken(platform: platform, token: token)
    }

    public func sendTestPush(_ token: String) async throws -> TestPushOutcome {
        try await client.sendTestPush(token: token)
    }

    /// The typed action of a push's payload (APNs `userInfo` string values, or FCM data).
    public func pushAction(_ data: [String: String]) throws -> PushAction {
        try parsePush(data: data)
    }

    /// Runs a blocking cache call off the caller's thread.
    private func background<T: Sendable>(_ work: @escaping @Sendable (Client) throws -> T) async throws -> T {
        let client = self.client
        return try await Task.detached(priority: .userInitiated) { try work(client) }.value
    }
}

extension TicketFilter {
    /// Every ticket, newest activity first.
    public static var all: TicketFilter {
        TicketFilter(
            statuses: [], priorities: [], assignee: nil, departmentId: nil, query: nil, sort: .updated, sla: nil)
    }
}
