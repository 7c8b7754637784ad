package support.customerservice.client

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.withContext
import support.customerservice.client.push.PushCheckServer
import support.customerservice.core.AttachmentItem
import support.customerservice.core.AudioDevice
import support.customerservice.core.CallInfo
import support.customerservice.core.CallQuality
import support.customerservice.core.CannedReplyItem
import support.customerservice.core.Client
import support.customerservice.core.Colleague
import support.customerservice.core.CoreException
import support.customerservice.core.CustomerInfo
import support.customerservice.core.CustomerInviteInfo
import support.customerservice.core.DailyReportInfo
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.MessageItem
import support.customerservice.core.OutboxItem
import support.customerservice.core.ProgressListener
import support.customerservice.core.PushAction
import support.customerservice.core.PushPlatform
import support.customerservice.core.SlaPolicyInfo
import support.customerservice.core.StaffStatus
import support.customerservice.core.SyncState
import support.customerservice.core.TestPushOutcome
import support.customerservice.core.TicketChanges
import support.customerservice.core.TicketDetail
import support.customerservice.core.TicketFilter
import support.customerservice.core.TicketItem
import support.customerservice.core.TokenStore
import support.customerservice.core.UserInfo
import support.customerservice.core.parsePush

/**
 * What the app's view models hold: the core's `Client` with Flows instead of listeners and suspend functions instead of
 * blocking calls.
 *
 * Calls that touch the core's cache (SQLite) run on [io], never on the caller's (main) thread. Errors are the core's
 * typed [CoreException]s. Anything not wrapped here is on [client].
 */
class CustomerServiceCore(val client: Client, private val io: CoroutineDispatcher = Dispatchers.IO) :
    AutoCloseable, PushCheckServer {

    companion object {
        /**
         * Opens the cache in [dataDir] and restores the session kept in [tokenStore]. It opens a database: call it off
         * the main thread.
         */
        @Throws(CoreException::class)
        fun open(
            serverUrl: String,
            dataDir: String,
            tokenStore: TokenStore,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): CustomerServiceCore = CustomerServiceCore(Client(serverUrl, dataDir, tokenStore), io)
    }

    /** The signed-in user, restored from the last run when there is one. */
    val currentUser: UserInfo?
        get() = client.currentUser()

    val syncState: SyncState
        get() = client.syncState()

    // Session

    suspend fun register(email: String, password: String, name: String): UserInfo =
        client.register(email, password, name)

    suspend fun signIn(email: String, password: String): UserInfo = client.signIn(email, password)

    suspend fun signOut() = client.signOut()

    // Observing

    fun ticketsFlow(filter: TicketFilter = TicketFilter.all(), limit: Int = 50): Flow<List<TicketItem>> {
        require(limit > 0) { "limit must be positive" }
        return client.ticketsFlow(filter, limit.toUInt()).flowOn(io)
    }

    fun ticketFlow(ticketId: String): Flow<TicketDetail> = client.ticketFlow(ticketId).flowOn(io)

    fun syncStateFlow(): Flow<SyncState> = client.syncStateFlow().flowOn(io)

    /** Staff: colleagues and their presence. */
    fun colleaguesFlow(): Flow<List<Colleague>> = client.colleaguesFlow().flowOn(io)

    // Changes: shown at once as pending, sent when the server is reachable

    suspend fun createTicket(departmentId: String, subject: String, body: String): TicketItem =
        withContext(io) { client.createTicket(departmentId, subject, body) }

    suspend fun sendMessage(
        ticketId: String,
        body: String,
        attachmentIds: List<String> = emptyList(),
        internal: Boolean = false,
    ): MessageItem = withContext(io) { client.sendMessage(ticketId, body, attachmentIds, internal) }

    /** Closes a ticket (its customer, or staff); shown at once, sent when online. */
    suspend fun closeTicket(ticketId: String) = withContext(io) { client.closeTicket(ticketId) }

    /** The customer rates their resolved ticket, 1 to 5, once; shown at once, sent when online. */
    suspend fun rateTicket(ticketId: String, score: Int, comment: String?) =
        withContext(io) { client.rateTicket(ticketId, score.toUByte(), comment) }

    /** Staff: status, priority, assignee or department; shown at once, sent when online. */
    suspend fun updateTicket(ticketId: String, changes: TicketChanges) =
        withContext(io) { client.updateTicket(ticketId, changes) }

    /** How many cached tickets match [filter] (the staff queue's counts). */
    suspend fun countTickets(filter: TicketFilter): Int = withContext(io) { client.countTickets(filter).toInt() }

    /** Staff: switches the user Active (offered chats and calls) or Off. Needs the server. */
    suspend fun setStatus(status: StaffStatus): UserInfo = client.setStatus(status)

    /** Uploads a file (needs the server); attach the result with [sendMessage]. */
    suspend fun uploadFile(
        path: String,
        contentType: String,
        progress: ((sent: Long, total: Long) -> Unit)? = null,
    ): AttachmentItem =
        client.uploadFile(
            path,
            contentType,
            progress?.let { report ->
                object : ProgressListener {
                    override fun onProgress(sentBytes: ULong, totalBytes: ULong) =
                        report(sentBytes.toLong(), totalBytes.toLong())
                }
            },
        )

    /** Downloads an attachment into the cache (once) and returns its path. */
    suspend fun downloadFile(fileId: String): String = client.downloadFile(fileId)

    /** Marks a ticket read up to [messageId]; others see the receipt. */
    suspend fun markRead(ticketId: String, messageId: String) = client.markRead(ticketId, messageId)

    /** Staff: colleagues and their Active/Off status, from the cache. */
    suspend fun colleagues(): List<Colleague> = withContext(io) { client.colleagues() }

    suspend fun departments(): List<DepartmentInfo> = withContext(io) { client.departments() }

    /** One cached ticket, or null when it is not in the cache. */
    suspend fun ticket(ticketId: String): TicketItem? = withContext(io) { client.ticketDetail(ticketId)?.ticket }

    suspend fun refreshDepartments(): List<DepartmentInfo> = client.refreshDepartments()

    suspend fun pendingCount(): Long = withContext(io) { client.pendingCount() }

    // Tickets on a customer's behalf (staff), and the invited customer's sign-in link

    /** The customer with this email; NotFound when there is none (then invite them). Needs the server. */
    suspend fun findCustomer(email: String): CustomerInfo = client.findCustomer(email)

    /** An account for a customer who has none, and its one-time sign-in link (emailed, or to pass on). */
    suspend fun inviteCustomer(email: String, name: String): CustomerInviteInfo = client.inviteCustomer(email, name)

    /** Opens a ticket for a customer, written by the staff member; shown at once, sent when online. */
    suspend fun createTicketFor(customerId: String, departmentId: String, subject: String, body: String): TicketItem =
        withContext(io) { client.createTicketFor(customerId, departmentId, subject, body) }

    /** Signs in with the one-time link (or its token) support gave an invited customer. */
    suspend fun signInWithLink(link: String): UserInfo = client.signInWithLink(link)

    // Canned replies (staff)

    /** The cached replies of [departmentId] (all cached when null) whose title contains [query]; offline too. */
    suspend fun cannedReplies(departmentId: String?, query: String = ""): List<CannedReplyItem> =
        withContext(io) { client.cannedReplies(departmentId, query) }

    /** Every cached reply now and at each change: a signal to read a search again. */
    fun cannedRepliesFlow(): Flow<List<CannedReplyItem>> = client.cannedRepliesFlow().flowOn(io)

    /** A reply's body filled in for a cached ticket (customer's name, ticket number, the user's name). */
    suspend fun fillCannedReply(replyId: String, ticketId: String): String =
        withContext(io) { client.fillCannedReply(replyId, ticketId) }

    /** Reads the replies from the server again (the core also does at every connect and change). */
    suspend fun refreshCannedReplies() = client.refreshCannedReplies()

    /** Supervisors (their department) and admins (naming one). Needs the server. */
    suspend fun createCannedReply(departmentId: String?, title: String, body: String): CannedReplyItem =
        client.createCannedReply(departmentId, title, body)

    suspend fun updateCannedReply(id: String, title: String?, body: String?): CannedReplyItem =
        client.updateCannedReply(id, title, body)

    suspend fun deleteCannedReply(id: String) = client.deleteCannedReply(id)

    /** The department's service-level targets (staff of it, admins); needs the server. */
    suspend fun slaPolicy(departmentId: String): SlaPolicyInfo = client.slaPolicy(departmentId)

    /** Replaces them (its supervisors, admins); applies to tickets opened or re-prioritised after. */
    suspend fun setSlaPolicy(departmentId: String, policy: SlaPolicyInfo): SlaPolicyInfo =
        client.setSlaPolicy(departmentId, policy)

    // The daily report (supervisors of the department, admins)

    /** The department's report from [from] to [to] (`YYYY-MM-DD`, inclusive, at most 366 days); needs the server. */
    suspend fun dailyReport(departmentId: String, from: String, to: String): DailyReportInfo =
        client.dailyReport(departmentId, from, to)

    /** The last report read of the department, whatever its range; from the cache, offline too. */
    suspend fun cachedDailyReport(departmentId: String): DailyReportInfo? =
        withContext(io) { client.cachedDailyReport(departmentId) }

    /** The same report as CSV (a row per day, and per day and agent); needs the server. */
    suspend fun dailyReportCsv(departmentId: String, from: String, to: String): String =
        client.dailyReportCsv(departmentId, from, to)

    // The outbox item by item

    /** What waits for the server (PENDING) or was refused (Failed, with the reason). */
    suspend fun outbox(): List<OutboxItem> = withContext(io) { client.outbox() }

    /** Sends a refused change again. */
    suspend fun retryOutboxItem(id: Long) = withContext(io) { client.retryOutboxItem(id) }

    /** Drops a refused change; a refused new ticket or message leaves the cache. */
    suspend fun discardOutboxItem(id: Long) = withContext(io) { client.discardOutboxItem(id) }

    /** Tells the ticket's other participants the user is (or stopped) typing. */
    /** [internal]: staff writing an internal note, shown typing to colleagues only. */
    fun setTyping(ticketId: String, typing: Boolean, internal: Boolean = false) =
        client.setTyping(ticketId, typing, internal)

    /** Tries to connect now instead of waiting for the next backoff (say, when the phone's network comes back). */
    fun reconnectNow() = client.reconnectNow()

    // Calls

    /** This device's calls as the call screen shows them. */
    fun callsFlow(): Flow<List<CallInfo>> = client.callsFlow().flowOn(io)

    /**
     * Calls about a ticket (staff: its customer; a customer: support). [audio] is the microphone and speaker
     * (AudioRecord/AudioTrack).
     */
    suspend fun placeCall(ticketId: String, audio: AudioDevice): CallInfo = client.placeCall(ticketId, audio)

    /** Answers a call ringing this device: from the call screen, or from the incoming-call notification's Accept. */
    suspend fun acceptCall(callId: String, audio: AudioDevice): CallInfo = client.acceptCall(callId, audio)

    suspend fun declineCall(callId: String) = client.declineCall(callId)

    suspend fun hangUp(callId: String) = client.hangUp(callId)

    fun setCallMuted(callId: String, muted: Boolean) = client.setCallMuted(callId, muted)

    suspend fun callQuality(callId: String): CallQuality = client.callQuality(callId)

    // Push

    /** Registers the FCM token (after sign-in, and on every refresh). */
    override suspend fun registerPushToken(token: String) = client.registerPushToken(PushPlatform.ANDROID, token)

    /** Stops pushes to [token] (sign-out drops the session's devices on the server by itself). */
    suspend fun unregisterPushToken(token: String) = client.unregisterPushToken(token)

    /** The push self-test: the server sends a test push to [token] at once, or says which step failed. */
    override suspend fun sendTestPush(token: String): TestPushOutcome = client.sendTestPush(token)

    /** What FirebaseMessagingService.onMessageReceived should do with a push. */
    fun pushAction(data: Map<String, String>): PushAction = parsePush(data)

    /**
     * Stops the core's background work; what is queued stays for the next start. Flows still collected get no more
     * values.
     */
    override fun close() = client.close()
}
