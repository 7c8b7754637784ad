import CustomerServiceCore
import Foundation

/// One line of the conversation: a message, or a change from the ticket's timeline, in time order.
public enum ConversationEntry: Equatable, Sendable {
    case message(MessageItem, readBy: [String])
    case change(TimelineItem)

    public var atMs: Int64 {
        switch self {
        case .message(let m, _): return m.createdAtMs
        case .change(let t): return t.createdAtMs
        }
    }
}

/// The canned-reply picker above the composer: the ticket's department's replies whose title contains `query`.
public struct CannedPickerState: Equatable, Sendable {
    public var query = ""
    public var replies: [CannedReplyItem] = []
    /// The first read of the cache is done (until then "none" would be a guess).
    public var loaded = false
}

public struct ConversationState: Equatable, Sendable {
    public let ticketId: String
    public let me: UserInfo
    public var detail: TicketDetail?
    public var entries: [ConversationEntry] = []
    /// Names of the others typing now.
    public var typing: [String] = []
    public var composer = ""
    /// Staff: the next message is an internal note the customer never sees.
    public var internalNote = false
    /// Staff: the canned-reply picker, while open.
    public var canned: CannedPickerState?
    public var sending = false
    public var placingCall = false
    /// The customer's rating being written (stars chosen, a comment), before it is sent.
    public var ratingScore: Int?
    public var ratingComment = ""
    public var error: String?

    public var staff: Bool { me.role != .customer }
    public var canSend: Bool { !sending && !composer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    public var canClose: Bool {
        guard let status = detail?.ticket.status else { return false }
        return status != .closed
    }
    /// The customer is asked for their rating once the ticket is resolved (or closed), until they give it.
    public var canRate: Bool {
        guard !staff, let ticket = detail?.ticket, ticket.rating == nil else { return false }
        return ticket.status == .resolved || ticket.status == .closed
    }

    /// The server's limit on a rating's comment (protocol::Rating::MAX_COMMENT).
    public static let maxRatingComment = 2000
}

public enum ConversationEvent: Sendable {
    case composerChanged(String)
    case toggleInternal
    /// Staff: opens (true) or closes the canned-reply picker.
    case showCanned(Bool)
    case cannedQuery(String)
    /// Puts the reply, filled in for this ticket, after what the composer holds.
    case pickCanned(String)
    case send
    case closeTicket
    /// The customer picks 1 to 5 stars.
    case rateScore(Int)
    case ratingComment(String)
    case submitRating
    case setStatus(TicketStatus)
    case setPriority(Priority)
    case assign(String?)
    case call
    case dismissError
}

/// A ticket's screen, for its customer and for staff: messages with the timeline inline, typing, read receipts, the
/// composer and internal notes, the staff properties (status, priority, assignee), close and call. Sending works
/// offline: the message shows at once as pending and goes when the server is reachable.
public final class ConversationModel: StateHolder<ConversationState>, @unchecked Sendable {
    public static let typingRepeat: TimeInterval = 3
    public static let typingIdle: TimeInterval = 5

    private let core: CustomerServiceClient
    private let audio: CallAudio
    private let lock = NSLock()
    private var lastKeyAt = Date.distantPast
    private var typingBeat: Task<Void, Never>?
    private var markedRead: String?

    public init(core: CustomerServiceClient, ticketId: String, me: UserInfo, audio: CallAudio) {
        self.core = core
        self.audio = audio
        super.init(ConversationState(ticketId: ticketId, me: me))
        let stream = core.ticket(ticketId)
        launch { [weak self] in
            for await detail in stream {
                guard let self else { return }
                self.show(detail)
            }
        }
        if me.role != .customer {
            // The cache's replies changed (read at connect, edited by a supervisor): an open picker searches again.
            let replies = core.cannedRepliesUpdates()
            launch { [weak self] in
                for await _ in replies {
                    guard let self else { return }
                    if let query = self.state.canned?.query { self.searchCanned(query) }
                }
            }
        }
    }

    public func send(_ event: ConversationEvent) {
        switch event {
        case .composerChanged(let text): composerChanged(text)
        case .toggleInternal:
            // The beat restarts with the next key, told to the right people.
            stopTyping()
            update { $0.internalNote.toggle() }
        case .showCanned(let show):
            if show && state.staff { searchCanned("") } else { update { $0.canned = nil } }
        case .cannedQuery(let query): searchCanned(query)
        case .pickCanned(let replyId): pickCanned(replyId)
        case .send: sendMessage()
        case .closeTicket: act { try await $0.closeTicket($1) }
        case .rateScore(let score):
            if (1...5).contains(score) { update { $0.ratingScore = score; $0.error = nil } }
        case .ratingComment(let text): update { $0.ratingComment = text; $0.error = nil }
        case .submitRating: submitRating()
        case .setStatus(let status): change(TicketChanges(status: status, priority: nil, assigneeId: nil, unassign: false, departmentId: nil))
        case .setPriority(let priority): change(TicketChanges(status: nil, priority: priority, assigneeId: nil, unassign: false, departmentId: nil))
        case .assign(let id): change(TicketChanges(status: nil, priority: nil, assigneeId: id, unassign: id == nil, departmentId: nil))
        case .call: call()
        case .dismissError: update { $0.error = nil }
        }
    }

    private func show(_ detail: TicketDetail) {
        let others = detail.typing.filter { $0.userId != state.me.id }.map { $0.name ?? "Someone" }
        update {
            $0.detail = detail
            $0.typing = others
            $0.entries = Self.entries(detail, me: $0.me.id)
        }
        // The newest message from someone else is read as soon as it is on screen.
        if let last = detail.messages.last(where: { $0.authorId != state.me.id && $0.sendState == .sent }),
            last.id != markedRead
        {
            markedRead = last.id
            launch { [core] in try? await core.markRead(ticketId: detail.ticket.id, messageId: last.id) }
        }
    }

    static func entries(_ detail: TicketDetail, me: String) -> [ConversationEntry] {
        let position = Dictionary(detail.messages.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let messages = detail.messages.enumerated().map { index, message -> ConversationEntry in
            // A reader has read a message if their marker is on it or on a later one.
            let readers =
                message.authorId == me
                ? detail.reads.filter { $0.userId != me && (position[$0.messageId] ?? -1) >= index }
                    .map { $0.userName ?? "Someone" }
                : []
            return .message(message, readBy: readers)
        }
        return (messages + detail.timeline.map(ConversationEntry.change)).sorted { $0.atMs < $1.atMs }
    }

    private func composerChanged(_ text: String) {
        update { $0.composer = text; $0.error = nil }
        lock.withLock { lastKeyAt = Date() }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            stopTyping()
            return
        }
        guard lock.withLock({ typingBeat == nil }) else { return }
        // A beat, not one signal per key: a signal lost while the socket reconnects is sent again.
        let beat = Task { [weak self, core, ticketId = state.ticketId] in
            // Stopping tells everyone (it reveals nothing); writing a note, only colleagues.
            defer { core.setTyping(ticketId, false) }
            while !Task.isCancelled {
                let note = self.map { $0.state.staff && $0.state.internalNote } ?? false
                core.setTyping(ticketId, true, note: note)
                guard let self else { return }
                let idleLeft = Self.typingIdle - Date().timeIntervalSince(self.lock.withLock { self.lastKeyAt })
                try? await Task.sleep(nanoseconds: UInt64(max(0, min(Self.typingRepeat, idleLeft)) * 1e9))
                if Date().timeIntervalSince(self.lock.withLock({ self.lastKeyAt })) >= Self.typingIdle { break }
            }
            self?.lock.withLock { self?.typingBeat = nil }
        }
        lock.withLock { typingBeat = beat }
    }

    private func searchCanned(_ query: String) {
        update {
            var picker = $0.canned ?? CannedPickerState()
            picker.query = query
            $0.canned = picker
        }
        let departmentId = state.detail?.ticket.departmentId
        launch { [weak self, core] in
            do {
                let found = try await core.cannedReplies(departmentId: departmentId, query: query)
                // A later keystroke's search wins.
                self?.update { s in
                    guard s.canned?.query == query else { return }
                    s.canned?.replies = found
                    s.canned?.loaded = true
                }
            } catch {
                self?.update { $0.error = "Couldn't read the canned replies: \(userMessage(error))" }
            }
        }
    }

    /// Adds the filled-in reply after what the user wrote (nothing typed is lost) and closes the picker.
    private func pickCanned(_ replyId: String) {
        launch { [weak self, core, ticketId = state.ticketId] in
            do {
                let text = try await core.fillCannedReply(replyId, ticketId: ticketId)
                guard let self else { return }
                let written = String(self.state.composer.reversed().drop(while: \.isWhitespace).reversed())
                self.update { $0.canned = nil }
                self.composerChanged(written.isEmpty ? text : "\(written)\n\n\(text)")
            } catch {
                self?.update { $0.error = "Couldn't insert the canned reply: \(userMessage(error))" }
            }
        }
    }

    private func stopTyping() {
        lock.withLock {
            typingBeat?.cancel()
            typingBeat = nil
        }
    }

    private func sendMessage() {
        let s = state
        guard s.canSend else { return }
        let body = s.composer.trimmingCharacters(in: .whitespacesAndNewlines)
        stopTyping()
        update { $0.sending = true; $0.error = nil }
        launch { [weak self, core] in
            do {
                _ = try await core.sendMessage(ticketId: s.ticketId, body: body, internal: s.staff && s.internalNote)
                self?.update { $0.composer = ""; $0.sending = false; $0.internalNote = false }
            } catch {
                self?.update { $0.sending = false; $0.error = "Couldn't send: \(userMessage(error))" }
            }
        }
    }

    private func submitRating() {
        let s = state
        guard s.canRate else { return }
        guard let score = s.ratingScore else {
            update { $0.error = "Choose from 1 to 5 stars" }
            return
        }
        let comment = s.ratingComment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= ConversationState.maxRatingComment else {
            update { $0.error = "Use at most \(ConversationState.maxRatingComment) characters" }
            return
        }
        launch { [weak self, core] in
            do {
                // Queued like any change: the ticket shows the rating at once, offline too.
                try await core.rateTicket(s.ticketId, score: score, comment: comment.isEmpty ? nil : comment)
                self?.update { $0.ratingScore = nil; $0.ratingComment = "" }
            } catch {
                self?.update { $0.error = userMessage(error) }
            }
        }
    }

    private func change(_ changes: TicketChanges) {
        act { try await $0.updateTicket($1, changes) }
    }

    private func act(_ work: @escaping @Sendable (CustomerServiceClient, String) async throws -> Void) {
        let ticketId = state.ticketId
        launch { [weak self, core] in
            do { try await work(core, ticketId) } catch { self?.update { $0.error = userMessage(error) } }
        }
    }

    private func call() {
        guard !state.placingCall else { return }
        update { $0.placingCall = true; $0.error = nil }
        launch { [weak self, core, audio, ticketId = state.ticketId] in
            defer { self?.update { $0.placingCall = false } }
            guard await audio.requestMicrophone() else {
                self?.update { $0.error = CallAudioMessages.microphoneRefused }
                return
            }
            do {
                _ = try await core.placeCall(ticketId: ticketId, audio: try audio.device())
            } catch {
                self?.update { $0.error = "Couldn't call: \(userMessage(error))" }
            }
        }
    }

    public override func close() {
        stopTyping()
        super.close()
    }
}
