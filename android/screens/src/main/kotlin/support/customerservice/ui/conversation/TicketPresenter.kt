package support.customerservice.ui.conversation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.audio.AudioUnavailableException
import support.customerservice.core.AttachmentItem
import support.customerservice.core.Colleague
import support.customerservice.core.CoreException
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.MessageItem
import support.customerservice.core.Priority
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketChanges
import support.customerservice.core.TicketDetail
import support.customerservice.core.TicketStatus
import support.customerservice.core.TimelineItem
import support.customerservice.core.UserInfo
import support.customerservice.ui.call.CallAudio
import support.customerservice.ui.call.MICROPHONE_REFUSED
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.UploadState
import support.customerservice.ui.common.attachmentProblem
import support.customerservice.ui.common.canTransfer
import support.customerservice.ui.common.isStaff
import support.customerservice.ui.common.uploadAll
import support.customerservice.ui.common.userMessage
import support.customerservice.ui.newticket.TicketLimits

/** One row of the conversation: a message, or a change on the timeline. */
sealed interface ConversationEntry {
    val key: String
    val atMs: Long

    data class Message(val item: MessageItem, val mine: Boolean, val seenBy: List<String>) : ConversationEntry {
        override val key
            get() = "m-${item.id}"

        override val atMs
            get() = item.createdAtMs
    }

    data class Event(val item: TimelineItem) : ConversationEntry {
        override val key
            get() = "e-${item.id}"

        override val atMs
            get() = item.createdAtMs
    }
}

data class TicketState(
    val ticketId: String,
    val me: UserInfo,
    val loading: Boolean = true,
    val detail: TicketDetail? = null,
    val entries: List<ConversationEntry> = emptyList(),
    /** Names of the others typing now. */
    val typing: List<String> = emptyList(),
    val composer: String = "",
    /** Staff: the composer writes an internal note, never shown to the customer. */
    val internal: Boolean = false,
    val attachments: List<UploadState> = emptyList(),
    /** Staff: the canned-reply picker above the composer, while open. */
    val canned: CannedPickerState? = null,
    val sending: Boolean = false,
    val colleagues: List<Colleague> = emptyList(),
    val departments: List<DepartmentInfo> = emptyList(),
    val sync: SyncState = SyncState.CONNECTING,
    val placingCall: Boolean = false,
    /** Attachments being downloaded to open. */
    val opening: Set<String> = emptySet(),
    /** The customer's rating being written (stars chosen, a comment), before it is sent. */
    val ratingScore: Int? = null,
    val ratingComment: String = "",
    val error: String? = null,
) {
    val staff: Boolean
        get() = me.role.isStaff

    val canTransfer: Boolean
        get() = me.role.canTransfer

    val canSend: Boolean
        get() = !sending && (composer.isNotBlank() || attachments.isNotEmpty())

    val canClose: Boolean
        get() = detail != null && detail.ticket.status != TicketStatus.CLOSED

    /** The customer is asked for their rating once the ticket is resolved (or closed), until they give it. */
    val canRate: Boolean
        get() =
            !staff &&
                detail != null &&
                detail.ticket.rating == null &&
                (detail.ticket.status == TicketStatus.RESOLVED || detail.ticket.status == TicketStatus.CLOSED)
}

/** The server's limit on a rating's comment (protocol::Rating::MAX_COMMENT). */
const val MAX_RATING_COMMENT = 2_000

sealed interface TicketEvent {
    data class ComposerChanged(val text: String) : TicketEvent

    data class SetInternal(val internal: Boolean) : TicketEvent

    data object AddAttachments : TicketEvent

    data class RemoveAttachment(val index: Int) : TicketEvent

    /** Staff: opens (or closes) the canned-reply picker. */
    data class ShowCanned(val show: Boolean) : TicketEvent

    data class CannedQuery(val query: String) : TicketEvent

    /** Puts the reply, filled in for this ticket, into the composer. */
    data class PickCanned(val replyId: String) : TicketEvent

    data object Send : TicketEvent

    data object CloseTicket : TicketEvent

    /** The customer picks 1 to 5 stars. */
    data class RateScore(val score: Int) : TicketEvent

    data class RatingComment(val text: String) : TicketEvent

    data object SubmitRating : TicketEvent

    data class SetStatus(val status: TicketStatus) : TicketEvent

    data class SetPriority(val priority: Priority) : TicketEvent

    /** `null` unassigns. */
    data class Assign(val colleagueId: String?) : TicketEvent

    data class Transfer(val departmentId: String) : TicketEvent

    data object Call : TicketEvent

    data class OpenAttachment(val attachment: AttachmentItem) : TicketEvent

    data object DismissError : TicketEvent
}

/**
 * A ticket's screen, for its customer and for staff: the conversation with the timeline's changes inline, typing and
 * read receipts, the composer (with internal notes for staff), the ticket's properties (staff), closing the ticket and
 * calling. Messages and changes are queued in the core's outbox, so they work offline; uploads and calls need the
 * server.
 */
class TicketPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    ticketId: String,
    me: UserInfo,
    private val picker: AttachmentPicker,
    private val opener: FileOpener,
    private val audio: CallAudio,
) : Presenter<TicketState, TicketEvent>(TicketState(ticketId = ticketId, me = me), scope) {

    /** While the user types: repeats "typing" so it never lapses on the others' side, then says "stopped". */
    private var typingBeat: Job? = null
    @Volatile private var lastKeyAt = 0L
    private var markedRead: String? = null

    init {
        scope.launch {
            core.ticketFlow(ticketId).collect { detail ->
                setState {
                    copy(
                        loading = false,
                        detail = detail,
                        entries = entries(detail, me.id),
                        typing = detail.typing.map { it.name ?: "Someone" },
                    )
                }
                markRead(detail)
            }
        }
        scope.launch { core.syncStateFlow().collect { s -> setState { copy(sync = s) } } }
        if (me.role.isStaff) {
            scope.launch { core.colleaguesFlow().collect { c -> setState { copy(colleagues = c) } } }
            // The cache's replies changed (read at connect, edited by a supervisor): an open picker searches again.
            scope.launch { core.cannedRepliesFlow().collect { current.canned?.let { searchCanned(it.query) } } }
            if (me.role.canTransfer) {
                scope.launch {
                    val cached = core.departments()
                    setState { copy(departments = cached) }
                    runCatching { core.refreshDepartments() }.onSuccess { d -> setState { copy(departments = d) } }
                }
            }
        }
        // Not in the cache yet (opened from a push or a link): fetch it.
        scope.launch {
            delay(1_500)
            if (current.detail == null) {
                try {
                    core.client.refreshTicket(ticketId)
                } catch (e: CoreException) {
                    setState { copy(loading = false, error = "Couldn't load this ticket: ${e.userMessage()}") }
                }
            }
        }
    }

    override fun onEvent(event: TicketEvent) {
        when (event) {
            is TicketEvent.ComposerChanged -> composerChanged(event.text)
            is TicketEvent.SetInternal -> {
                // The beat restarts with the next key, told to the right people.
                stopTyping()
                setState { copy(internal = event.internal && staff) }
            }
            TicketEvent.AddAttachments -> scope.launch { addAttachments(picker.pick()) }
            is TicketEvent.RemoveAttachment ->
                setState { copy(attachments = attachments.filterIndexed { i, _ -> i != event.index }) }
            is TicketEvent.ShowCanned -> if (event.show && staff) searchCanned("") else setState { copy(canned = null) }
            is TicketEvent.CannedQuery -> searchCanned(event.query)
            is TicketEvent.PickCanned -> pickCanned(event.replyId)
            TicketEvent.Send -> send()
            TicketEvent.CloseTicket -> change { core.closeTicket(current.ticketId) }
            is TicketEvent.RateScore ->
                if (event.score in 1..5) setState { copy(ratingScore = event.score, error = null) }
            is TicketEvent.RatingComment -> setState { copy(ratingComment = event.text, error = null) }
            TicketEvent.SubmitRating -> submitRating()
            is TicketEvent.SetStatus -> update(TicketChanges(event.status, null, null, false, null))
            is TicketEvent.SetPriority -> update(TicketChanges(null, event.priority, null, false, null))
            is TicketEvent.Assign ->
                update(TicketChanges(null, null, event.colleagueId, event.colleagueId == null, null))
            is TicketEvent.Transfer -> update(TicketChanges(null, null, null, false, event.departmentId))
            TicketEvent.Call -> call()
            is TicketEvent.OpenAttachment -> open(event.attachment)
            TicketEvent.DismissError -> setState { copy(error = null) }
        }
    }

    private fun composerChanged(text: String) {
        setState { copy(composer = text, error = null) }
        lastKeyAt = System.currentTimeMillis()
        if (text.isBlank()) {
            stopTyping()
        } else if (typingBeat?.isActive != true) {
            // A beat, not one signal per key: a signal sent while the socket reconnects is lost, the next one is not.
            typingBeat =
                scope.launch {
                    try {
                        while (true) {
                            // Writing a note: only colleagues see it.
                            runCatching { core.setTyping(current.ticketId, true, current.internal && current.staff) }
                            val idleLeft = TYPING_IDLE_MS - (System.currentTimeMillis() - lastKeyAt)
                            delay(minOf(TYPING_REPEAT_MS, idleLeft.coerceAtLeast(0)))
                            if (System.currentTimeMillis() - lastKeyAt >= TYPING_IDLE_MS) break
                        }
                    } finally {
                        // Stopping tells everyone: it reveals nothing.
                        runCatching { core.setTyping(current.ticketId, false) }
                    }
                }
        }
    }

    private val staff: Boolean
        get() = current.staff

    /** Reads the cache (offline too) for the ticket's department's replies whose title has [query]. */
    private fun searchCanned(query: String) {
        setState { copy(canned = (canned ?: CannedPickerState()).copy(query = query)) }
        scope.launch {
            val found =
                try {
                    core.cannedReplies(current.detail?.ticket?.departmentId, query)
                } catch (e: CoreException) {
                    setState { copy(error = "Couldn't read the canned replies: ${e.userMessage()}") }
                    return@launch
                } catch (_: IllegalStateException) {
                    return@launch // the core was closed (the screen is going away)
                }
            // A later keystroke's search wins.
            setState {
                if (canned?.query == query) copy(canned = canned.copy(replies = found, loaded = true)) else this
            }
        }
    }

    /** Adds the filled-in reply after what the user already wrote (nothing typed is lost) and closes the picker. */
    private fun pickCanned(replyId: String) {
        scope.launch {
            try {
                val text = core.fillCannedReply(replyId, current.ticketId)
                val written = current.composer.trimEnd()
                setState { copy(canned = null) }
                composerChanged(if (written.isEmpty()) text else "$written\n\n$text")
            } catch (e: CoreException) {
                setState { copy(error = "Couldn't insert the canned reply: ${e.userMessage()}") }
            }
        }
    }

    private fun stopTyping() {
        typingBeat?.cancel()
        typingBeat = null
    }

    private fun addAttachments(files: List<PickedFile>) {
        val problems = files.mapNotNull(::attachmentProblem)
        setState {
            copy(
                attachments = attachments + files.filter { attachmentProblem(it) == null }.map { UploadState(it) },
                error = problems.joinToString("\n").ifEmpty { null },
            )
        }
    }

    private fun send() {
        val s = current
        if (!s.canSend) return
        val body = s.composer.trim()
        if (body.length > TicketLimits.MAX_BODY) {
            setState { copy(error = "A message can have at most ${TicketLimits.MAX_BODY} characters.") }
            return
        }
        setState { copy(sending = true, error = null) }
        stopTyping()
        scope.launch {
            try {
                val uploaded =
                    core.uploadAll(s.attachments.map { it.file }) { index, sent ->
                        setState {
                            copy(
                                attachments =
                                    attachments.mapIndexed { i, a -> if (i == index) a.copy(sentBytes = sent) else a }
                            )
                        }
                    }
                core.sendMessage(s.ticketId, body, uploaded.map { it.id }, internal = s.internal && s.staff)
                setState { copy(sending = false, composer = "", attachments = emptyList(), internal = false) }
            } catch (e: CoreException) {
                val what =
                    if (s.attachments.isNotEmpty())
                        "Couldn't send the attachments: ${e.userMessage()} Your message is kept."
                    else e.userMessage()
                setState {
                    copy(sending = false, attachments = attachments.map { it.copy(sentBytes = 0) }, error = what)
                }
            }
        }
    }

    private fun update(changes: TicketChanges) = change { core.updateTicket(current.ticketId, changes) }

    /** A change to the ticket: queued in the outbox, shown at once. */
    private fun change(block: suspend () -> Unit) {
        scope.launch {
            try {
                block()
            } catch (e: CoreException) {
                setState { copy(error = e.userMessage()) }
            }
        }
    }

    private fun submitRating() {
        val s = current
        val score = s.ratingScore
        if (!s.canRate) return
        if (score == null) {
            setState { copy(error = "Choose from 1 to 5 stars") }
            return
        }
        if (s.ratingComment.trim().length > MAX_RATING_COMMENT) {
            setState { copy(error = "Use at most $MAX_RATING_COMMENT characters") }
            return
        }
        scope.launch {
            try {
                // Queued like any change: the ticket shows the rating at once, offline too.
                core.rateTicket(s.ticketId, score, s.ratingComment.trim().ifEmpty { null })
                setState { copy(ratingScore = null, ratingComment = "") }
            } catch (e: CoreException) {
                setState { copy(error = e.userMessage()) }
            }
        }
    }

    private fun call() {
        if (current.placingCall) return
        setState { copy(placingCall = true, error = null) }
        scope.launch {
            try {
                if (!audio.requestMicrophone()) {
                    setState { copy(error = MICROPHONE_REFUSED) }
                    return@launch
                }
                core.placeCall(current.ticketId, audio.device())
            } catch (e: CoreException) {
                setState { copy(error = "Couldn't call: ${e.userMessage()}") }
            } catch (e: AudioUnavailableException) {
                setState { copy(error = "Couldn't call: ${e.message}") }
            } finally {
                setState { copy(placingCall = false) }
            }
        }
    }

    private fun open(attachment: AttachmentItem) {
        if (attachment.id in current.opening) return
        setState { copy(opening = opening + attachment.id) }
        scope.launch {
            try {
                val path = core.downloadFile(attachment.id)
                opener.open(path, attachment.name, attachment.contentType)
            } catch (e: CoreException) {
                setState { copy(error = "Couldn't open ${attachment.name}: ${e.userMessage()}") }
            } finally {
                setState { copy(opening = opening - attachment.id) }
            }
        }
    }

    /** Tells the others the user has read up to the newest message they wrote. */
    private fun markRead(detail: TicketDetail) {
        val me = current.me.id
        val newest = detail.messages.lastOrNull { it.authorId != me && it.sendState == SendState.Sent } ?: return
        val mine = detail.reads.firstOrNull { it.userId == me }?.messageId
        if (newest.id == mine || newest.id == markedRead) return
        markedRead = newest.id
        scope.launch {
            try {
                core.markRead(detail.ticket.id, newest.id)
            } catch (_: CoreException) {
                markedRead = null // offline: try again at the next update
            }
        }
    }

    companion object {
        /** Typing is repeated this often while the user keeps typing (it lapses on the others' side). */
        const val TYPING_REPEAT_MS = 3_000L
        /** No key for this long: the user stopped typing. */
        const val TYPING_IDLE_MS = 5_000L

        /** Messages and timeline changes in time order, each of the user's messages with who has read it. */
        fun entries(detail: TicketDetail, me: String): List<ConversationEntry> {
            val order = detail.messages.withIndex().associate { it.value.id to it.index }
            val readers = detail.reads.filter { it.userId != me }
            val messages =
                detail.messages.mapIndexed { index, m ->
                    val mine = m.authorId == me
                    val seenBy =
                        if (!mine) {
                            emptyList()
                        } else {
                            readers.filter { (order[it.messageId] ?: -1) >= index }.map { it.userName ?: "Someone" }
                        }
                    ConversationEntry.Message(m, mine, seenBy)
                }
            val events = detail.timeline.map { ConversationEntry.Event(it) }
            // At the same instant a change comes before the message it led to.
            return (events + messages).sortedWith(
                compareBy({ it.atMs }, { if (it is ConversationEntry.Event) 0 else 1 })
            )
        }
    }
}
