package support.customerservice.ui.preview

import java.time.LocalDate
import support.customerservice.client.push.PushCheckResult
import support.customerservice.client.push.PushCheckStep
import support.customerservice.core.AgentReportItem
import support.customerservice.core.AttachmentItem
import support.customerservice.core.CallDirection
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase
import support.customerservice.core.CallQuality
import support.customerservice.core.CannedReplyItem
import support.customerservice.core.Colleague
import support.customerservice.core.CustomerInfo
import support.customerservice.core.CustomerInviteInfo
import support.customerservice.core.DailyReportInfo
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.MessageItem
import support.customerservice.core.OutboxItem
import support.customerservice.core.OutboxKind
import support.customerservice.core.Priority
import support.customerservice.core.ReadMarker
import support.customerservice.core.ReportDayItem
import support.customerservice.core.ReportFiguresInfo
import support.customerservice.core.Role
import support.customerservice.core.SendState
import support.customerservice.core.SlaState
import support.customerservice.core.StaffStatus
import support.customerservice.core.SyncState
import support.customerservice.core.TicketDetail
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketRating
import support.customerservice.core.TicketSlaInfo
import support.customerservice.core.TicketStatus
import support.customerservice.core.TimelineItem
import support.customerservice.core.TypingUser
import support.customerservice.core.UserInfo
import support.customerservice.ui.call.CallState
import support.customerservice.ui.canned.CannedDraft
import support.customerservice.ui.canned.CannedRepliesState
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.UploadState
import support.customerservice.ui.conversation.CannedPickerState
import support.customerservice.ui.conversation.TicketPresenter
import support.customerservice.ui.conversation.TicketState
import support.customerservice.ui.newticket.CustomerField
import support.customerservice.ui.newticket.CustomerLookup
import support.customerservice.ui.newticket.NewTicketState
import support.customerservice.ui.newticket.PassOnLink
import support.customerservice.ui.outbox.OutboxState
import support.customerservice.ui.report.NoticeKind
import support.customerservice.ui.report.ReportRange
import support.customerservice.ui.report.ReportState
import support.customerservice.ui.settings.PushCheckState
import support.customerservice.ui.settings.StepStatus
import support.customerservice.ui.signin.SignInMode
import support.customerservice.ui.signin.SignInState
import support.customerservice.ui.staff.StaffStatusState
import support.customerservice.ui.tickets.AssigneeFilter
import support.customerservice.ui.tickets.QueueCounts
import support.customerservice.ui.tickets.TicketListState

/**
 * Sample states of every screen (loading, empty, content, error, offline): the screenshot tests render each of them,
 * and the Android app's `@Preview`s show the same ones.
 */
object Fixtures {
    private const val MINUTE = 60_000L
    /** A fixed "now" so that the samples always look the same. */
    val now: Long = System.currentTimeMillis()

    val billing = DepartmentInfo("d-billing", "Billing")
    val tech = DepartmentInfo("d-tech", "Technical support")

    val carla = UserInfo("u-carla", "Carla Customer", "carla.customer@demo.test", Role.CUSTOMER, null, null)
    val bea = UserInfo("u-bea", "Bea Billing", "bea.billing@demo.test", Role.AGENT, billing.id, StaffStatus.ACTIVE)
    val sam =
        UserInfo("u-sam", "Sam Supervisor", "sam.supervisor@demo.test", Role.SUPERVISOR, billing.id, StaffStatus.ACTIVE)

    val colleagues =
        listOf(
            Colleague(bea.id, bea.name, Role.AGENT, StaffStatus.ACTIVE),
            Colleague("u-bill", "Bill Billing", Role.AGENT, StaffStatus.OFF),
            Colleague(sam.id, sam.name, Role.SUPERVISOR, StaffStatus.ACTIVE),
        )

    fun ticket(
        n: Long?,
        subject: String,
        status: TicketStatus = TicketStatus.OPEN,
        priority: Priority = Priority.NORMAL,
        assignee: UserInfo? = null,
        last: String? = null,
        unread: Int = 0,
        send: SendState = SendState.Sent,
        ageMinutes: Long = 5,
        rating: TicketRating? = null,
        sla: TicketSlaInfo = noTargets,
    ) =
        TicketItem(
            id = "t-${n ?: subject.hashCode()}",
            number = n,
            subject = subject,
            status = status,
            priority = priority,
            departmentId = billing.id,
            customerId = carla.id,
            assigneeId = assignee?.id,
            customerName = carla.name,
            assigneeName = assignee?.name,
            createdAtMs = now - ageMinutes * MINUTE - 3_600_000,
            updatedAtMs = now - ageMinutes * MINUTE,
            version = 1,
            sendState = send,
            lastMessage = last,
            unreadCount = unread.toUInt(),
            rating = rating,
            sla = sla,
        )

    val noTargets = TicketSlaInfo(SlaState.NONE, null, null, null, false, null, null, false)

    /** A running target due [minutes] from now (negative: missed): the first response, or the resolution. */
    fun slaDue(minutes: Long, resolution: Boolean = false): TicketSlaInfo {
        val due = now + minutes * MINUTE
        val missed = minutes <= 0
        val state =
            when {
                missed -> SlaState.BREACHED
                minutes <= 60 -> SlaState.AT_RISK
                else -> SlaState.ON_TRACK
            }
        val running = noTargets.copy(state = state, nextDueMs = due)
        return if (resolution) {
            running.copy(
                firstResponseDueMs = now - 3 * 60 * MINUTE,
                firstRespondedAtMs = now - 4 * 60 * MINUTE,
                resolutionDueMs = due,
                resolutionBreached = missed,
            )
        } else {
            running.copy(firstResponseDueMs = due, firstResponseBreached = missed)
        }
    }

    val tickets =
        listOf(
            ticket(
                1007,
                "Refund for a double charge",
                TicketStatus.IN_PROGRESS,
                Priority.HIGH,
                bea,
                "Bea: I've asked our bank to reverse the second charge.",
                unread = 2,
                ageMinutes = 3,
                sla = slaDue(190, resolution = true),
            ),
            ticket(
                null,
                "New card not arriving",
                last = "I ordered it three weeks ago and it still isn't here.",
                send = SendState.Pending,
                ageMinutes = 1,
            ),
            ticket(
                1006,
                "Invoice address is wrong",
                TicketStatus.OPEN,
                Priority.NORMAL,
                null,
                "Could you change the address on invoice INV-2291?",
                ageMinutes = 40,
                sla = slaDue(20),
            ),
            ticket(
                1004,
                "Can't download my statement",
                TicketStatus.RESOLVED,
                Priority.LOW,
                bea,
                "📎 statement-october.pdf",
                ageMinutes = 60 * 26,
            ),
            ticket(
                1001,
                "Change of plan",
                TicketStatus.CLOSED,
                Priority.NORMAL,
                bea,
                "Thanks, all sorted!",
                ageMinutes = 60 * 24 * 20,
            ),
            ticket(
                1008,
                "Payment refused at checkout",
                TicketStatus.OPEN,
                Priority.URGENT,
                null,
                "The card works elsewhere.",
                send = SendState.Failed("ticket version conflict"),
                ageMinutes = 2,
                sla = slaDue(-15),
            ),
        )

    // Sign-in

    val signIn = SignInState(serverUrl = "https://support.example.com")
    val signInFilled = signIn.copy(email = "carla.customer@demo.test", password = "demo-password")
    val signInBusy = signInFilled.copy(busy = true)
    val signInError = signInFilled.copy(error = "Wrong email or password.")
    val signInUnreachable =
        signInFilled.copy(
            error = "Can't reach the server at https://support.example.com. Check your connection and try again."
        )
    val register =
        signIn.copy(
            mode = SignInMode.REGISTER,
            email = "new",
            name = "",
            emailError = "Enter an email address like name@example.com",
            nameError = "Enter your name",
            passwordError = "Use at least 8 characters",
        )

    // Ticket lists

    val myTicketsLoading = TicketListState(staff = false)
    val myTicketsEmpty = TicketListState(staff = false, loading = false, sync = SyncState.LIVE)
    val myTickets = TicketListState(staff = false, loading = false, tickets = tickets, sync = SyncState.LIVE)
    val myTicketsOffline = myTickets.copy(sync = SyncState.OFFLINE)
    val myTicketsError =
        myTickets.copy(error = "Couldn't refresh: the server can't be reached.", sync = SyncState.OFFLINE)

    private val counts =
        QueueCounts(
            byStatus =
                mapOf(
                    null to 6,
                    TicketStatus.OPEN to 3,
                    TicketStatus.IN_PROGRESS to 1,
                    TicketStatus.RESOLVED to 1,
                    TicketStatus.CLOSED to 1,
                ),
            byAssignee = mapOf(AssigneeFilter.ANYONE to 6, AssigneeFilter.ME to 3, AssigneeFilter.UNASSIGNED to 3),
        )
    val queue =
        TicketListState(staff = true, loading = false, tickets = tickets, counts = counts, sync = SyncState.LIVE)
    val queueLoading = TicketListState(staff = true)
    val queueEmpty =
        TicketListState(
            staff = true,
            loading = false,
            sync = SyncState.LIVE,
            counts =
                QueueCounts(
                    (listOf(null) + TicketStatus.entries).associateWith { 0 },
                    AssigneeFilter.entries.associateWith { 0 },
                ),
        )
    val queueNoMatch = queueEmpty.copy(filter = queueEmpty.filter.copy(query = "printer"))
    val queueOffline = queue.copy(sync = SyncState.OFFLINE)

    val staffStatus =
        StaffStatusState(myId = bea.id, status = StaffStatus.ACTIVE, colleagues = colleagues.filter { it.id != bea.id })
    val staffStatusOff = staffStatus.copy(status = StaffStatus.OFF)

    // New ticket

    private val screenshot = PickedFile("/tmp/screenshot.png", "screenshot.png", "image/png", 482_133)
    val newTicket = NewTicketState(departments = listOf(billing, tech), loadingDepartments = false)
    val newTicketLoading = NewTicketState()
    val newTicketFilled =
        newTicket.copy(
            departmentId = billing.id,
            subject = "Charged twice for November",
            description = "My statement shows two charges of 29.90 on 3 November.",
            attachments = listOf(UploadState(screenshot)),
        )
    val newTicketUploading =
        newTicketFilled.copy(submitting = true, attachments = listOf(UploadState(screenshot, sentBytes = 300_000)))
    val newTicketInvalid =
        newTicket.copy(
            departmentError = "Choose a department",
            subjectError = "Enter a subject",
            descriptionError = "Describe the problem",
        )
    val newTicketError =
        newTicketFilled.copy(
            error =
                "Couldn't upload the attachments: Can't reach the server. Check your connection and try again. Nothing was sent; try again, or remove them to send the ticket offline."
        )

    // A new ticket on a customer's behalf (staff)

    private val cara = CustomerInfo("cust-cara", "Cara Diaz", "cara@example.com")
    val newTicketForCustomer =
        NewTicketState(
            departments = listOf(billing),
            loadingDepartments = false,
            departmentId = billing.id,
            subject = "Charged twice for November",
            description = "Phoned in: two charges of 29.90 on 3 November.",
            customer =
                CustomerField(
                    email = "ann.lee@example.com",
                    lookup = CustomerLookup.Found(CustomerInfo("cust-ann", "Ann Lee", "ann.lee@example.com")),
                ),
        )
    val newTicketForUnknown =
        newTicketForCustomer.copy(
            subject = "Router will not start",
            description = "Phoned in: the router's light stays red.",
            customer =
                CustomerField(
                    email = "cara@example.com",
                    lookup = CustomerLookup.Unknown,
                    nameError = "No customer has this email: enter their name to invite them",
                ),
        )
    val newTicketPassOnLink =
        newTicketForUnknown.copy(
            customer =
                CustomerField(email = "cara@example.com", name = "Cara Diaz", lookup = CustomerLookup.Found(cara)),
            passOnLink =
                PassOnLink(
                    ticketId = "t-router",
                    invite =
                        CustomerInviteInfo(
                            customer = cara,
                            emailed = false,
                            signInLink = "customerservice://sign-in?token=2f9c1a7e5b3d4c8a9e6f0b1d2c3a4e5f",
                            mailError = null,
                        ),
                ),
        )

    // A ticket

    private val refund = tickets[0]

    private fun message(
        id: String,
        author: UserInfo,
        body: String,
        minutesAgo: Long,
        internal: Boolean = false,
        attachments: List<AttachmentItem> = emptyList(),
        send: SendState = SendState.Sent,
    ) = MessageItem(id, refund.id, author.id, author.name, body, internal, attachments, now - minutesAgo * MINUTE, send)

    val detail =
        TicketDetail(
            ticket = refund,
            messages =
                listOf(
                    message(
                        "m1",
                        carla,
                        "Hello, I was charged twice for my November subscription. Statement attached.",
                        50,
                        attachments = listOf(AttachmentItem("f1", "statement-november.pdf", "application/pdf", 182_400)),
                    ),
                    message(
                        "m2",
                        bea,
                        "Thanks Carla, I can see both charges. Let me check with the payments team.",
                        30,
                    ),
                    message(
                        "m3",
                        bea,
                        "Payments confirm the duplicate: refund 29.90 via the original card.",
                        25,
                        internal = true,
                    ),
                    message(
                        "m4",
                        bea,
                        "I've asked our bank to reverse the second charge. You'll see it in 3–5 days.",
                        5,
                    ),
                    message("m5", carla, "Great, thank you!", 3),
                ),
            timeline =
                listOf(
                    TimelineItem("e1", refund.id, carla.id, carla.name, now - 50 * MINUTE, "opened the ticket"),
                    TimelineItem(
                        "e2",
                        refund.id,
                        bea.id,
                        bea.name,
                        now - 31 * MINUTE,
                        "assignee: nobody → Bea Billing",
                    ),
                    TimelineItem("e3", refund.id, bea.id, bea.name, now - 31 * MINUTE, "status: open → in progress"),
                    TimelineItem("e4", refund.id, bea.id, bea.name, now - 20 * MINUTE, "call: 94 s"),
                ),
            typing = listOf(TypingUser(bea.id, bea.name)),
            reads =
                listOf(
                    ReadMarker(bea.id, bea.name, "m5", now - 2 * MINUTE),
                    ReadMarker(carla.id, carla.name, "m4", now - 3 * MINUTE),
                ),
        )

    private fun ticketState(me: UserInfo, d: TicketDetail) =
        TicketState(
            ticketId = d.ticket.id,
            me = me,
            loading = false,
            detail = d,
            entries = TicketPresenter.entries(d, me.id),
            typing = d.typing.filter { it.userId != me.id }.map { it.name ?: "" },
            sync = SyncState.LIVE,
            colleagues = colleagues,
        )

    /** The customer never receives internal notes: the server filters them. */
    val customerTicket = ticketState(carla, detail.copy(messages = detail.messages.filter { !it.internal }))
    val staffTicket = ticketState(bea, detail.copy(typing = listOf(TypingUser(carla.id, carla.name))))
    val staffTicketNote = staffTicket.copy(internal = true, composer = "Refund approved by Sam")
    val ticketLoading = TicketState(ticketId = refund.id, me = carla)
    val ticketError =
        TicketState(
            ticketId = refund.id,
            me = carla,
            loading = false,
            error = "Couldn't load this ticket: That no longer exists (no such ticket).",
        )
    val ticketOffline =
        customerTicket
            .copy(
                sync = SyncState.OFFLINE,
                detail =
                    customerTicket.detail!!.copy(
                        messages =
                            customerTicket.detail.messages +
                                message(
                                    "m6",
                                    carla,
                                    "One more thing: the refund should go to my new card.",
                                    0,
                                    send = SendState.Pending,
                                )
                    ),
            )
            .let { it.copy(entries = TicketPresenter.entries(it.detail!!, carla.id)) }

    /** Resolved: the customer is asked for a rating, four stars chosen and a comment typed. */
    private val resolvedDetail =
        detail.copy(
            ticket = refund.copy(status = TicketStatus.RESOLVED),
            messages = detail.messages.filter { !it.internal },
            timeline =
                detail.timeline +
                    TimelineItem("e5", refund.id, bea.id, bea.name, now - 2 * MINUTE, "status: in progress → resolved"),
            typing = emptyList(),
        )
    val customerTicketRating =
        ticketState(carla, resolvedDetail).copy(ratingScore = 4, ratingComment = "Quick and friendly, thanks Bea.")

    /** Staff see the customer's rating on the ticket and its timeline. */
    private val carlasRating = TicketRating(4u, "Quick and friendly, thanks Bea.", now - MINUTE)
    val staffTicketRated =
        ticketState(
            bea,
            resolvedDetail.copy(
                ticket = resolvedDetail.ticket.copy(rating = carlasRating),
                messages = detail.messages,
                timeline =
                    resolvedDetail.timeline +
                        TimelineItem(
                            "e6",
                            refund.id,
                            carla.id,
                            carla.name,
                            now - MINUTE,
                            "rated the support 4/5: “Quick and friendly, thanks Bea.”",
                        ),
            ),
        )

    // Canned replies

    val cannedReplies =
        listOf(
            CannedReplyItem(
                "c1",
                billing.id,
                "Refund issued",
                "Hi {customer_name}, the refund for ticket #{ticket_number} is on its way: 3–5 working days. {agent_name}",
                now,
            ),
            CannedReplyItem("c2", billing.id, "Refund needs a receipt", "Could you send us the receipt, please?", now),
            CannedReplyItem("c3", tech.id, "Restart the router", "Please unplug the router for ten seconds.", now),
        )
    val staffTicketCanned =
        staffTicket.copy(
            composer = "Sorry for the wait.",
            canned = CannedPickerState("refund", cannedReplies.filter { it.departmentId == billing.id }, true),
        )
    val staffTicketCannedNone = staffTicket.copy(canned = CannedPickerState("invoice", emptyList(), true))
    val cannedList =
        CannedRepliesState(me = sam, loading = false, replies = cannedReplies.filter { it.departmentId == billing.id })
    val cannedListAdmin =
        CannedRepliesState(
            me = UserInfo("u-ada", "Ada Admin", "ada@demo.test", Role.ADMIN, null, null),
            loading = false,
            replies = cannedReplies,
            departments = listOf(billing, tech),
        )
    val cannedDeleting = cannedList.copy(deleting = cannedReplies[1])
    val cannedEmpty = CannedRepliesState(me = sam, loading = false)
    val cannedEditorRefused =
        cannedList.copy(
            draft = CannedDraft(title = "Typo", body = "Dear {custmer_name},", departmentId = billing.id),
            error =
                "Couldn't save: body has an unknown placeholder {custmer_name}; known are {customer_name}, " +
                    "{ticket_number}, {agent_name}",
        )
    val cannedEditorAdmin =
        cannedListAdmin.copy(draft = CannedDraft(title = "Reboot", body = "Please restart it.", departmentId = tech.id))

    // Outbox

    val outboxLoading = OutboxState()
    val outboxError =
        OutboxState(loading = false, sync = SyncState.LIVE, error = "This device's storage failed: disk I/O error")
    val outboxEmpty = OutboxState(loading = false, sync = SyncState.LIVE)
    val outbox =
        OutboxState(
            loading = false,
            sync = SyncState.OFFLINE,
            tickets =
                mapOf(refund.id to "#1007 Refund for a double charge", "t-1008" to "#1008 Payment refused at checkout"),
            items =
                listOf(
                    OutboxItem(
                        1,
                        OutboxKind.CREATE_TICKET,
                        "t-new",
                        SendState.Pending,
                        "New card not arriving",
                        now - 2 * MINUTE,
                    ),
                    OutboxItem(
                        2,
                        OutboxKind.SEND_MESSAGE,
                        refund.id,
                        SendState.Pending,
                        "One more thing: the refund should go to my new card.",
                        now - MINUTE,
                    ),
                    OutboxItem(
                        3,
                        OutboxKind.UPDATE_TICKET,
                        "t-1008",
                        SendState.Failed("ticket version conflict: someone changed it first"),
                        "priority → urgent",
                        now - 30 * MINUTE,
                    ),
                ),
        )

    // Calls

    private val incoming =
        CallInfo("c1", refund.id, CallDirection.INCOMING, CallPhase.Ringing, bea.name, refund.subject, false)
    val callIncoming = CallState(call = incoming)
    val callOutgoing = CallState(call = incoming.copy(direction = CallDirection.OUTGOING, callerName = null))
    val callConnected =
        CallState(
            call = incoming.copy(phase = CallPhase.Connected),
            elapsedSeconds = 83,
            quality = CallQuality(12.0, 1.4, 0, 4100u, 4120u, 40.0, 2u),
        )
    val callMuted = callConnected.copy(call = callConnected.call!!.copy(muted = true))
    val callReconnecting =
        callConnected.copy(call = callConnected.call!!.copy(phase = CallPhase.Reconnecting), quality = null)
    val callEnded = CallState(call = incoming.copy(phase = CallPhase.Ended("ended")), elapsedSeconds = 94)
    val callDeclined =
        CallState(call = incoming.copy(direction = CallDirection.OUTGOING, phase = CallPhase.Ended("declined")))

    // Check notifications

    private fun pushSteps(vararg statuses: StepStatus) = PushCheckStep.entries.zip(statuses).toMap()

    val pushCheckRunning =
        PushCheckState(
            running = true,
            statuses =
                pushSteps(
                    StepStatus.PASSED,
                    StepStatus.PASSED,
                    StepStatus.RUNNING,
                    StepStatus.WAITING,
                    StepStatus.WAITING,
                ),
        )
    val pushCheckPassed =
        PushCheckState(
            statuses = PushCheckStep.entries.associateWith { StepStatus.PASSED },
            result = PushCheckResult.Passed(roundTripMs = 412),
        )
    val pushCheckFcmFailed =
        PushCheckState(
            statuses =
                pushSteps(
                    StepStatus.PASSED,
                    StepStatus.PASSED,
                    StepStatus.PASSED,
                    StepStatus.FAILED,
                    StepStatus.SKIPPED,
                ),
            result = PushCheckResult.Failed(PushCheckStep.FCM, "FCM no longer accepts this device's token."),
        )
    val pushCheckNotificationsOff =
        PushCheckState(
            statuses =
                PushCheckStep.entries.associateWith { StepStatus.SKIPPED } +
                    (PushCheckStep.NOTIFICATIONS to StepStatus.FAILED),
            result =
                PushCheckResult.Failed(
                    PushCheckStep.NOTIFICATIONS,
                    "Notifications are turned off for this app. Turn them on in the system settings.",
                ),
        )

    // The daily report

    /** The last day of the sample reports (their "today"). */
    val reportDay: LocalDate = LocalDate.of(2026, 12, 6)

    private fun figures(
        opened: Long,
        resolved: Long,
        reopened: Long = 0,
        firstReply: Long? = null,
        resolution: Long? = null,
        breaches: Long = 0,
        calls: Long = 0,
        csat: Double? = null,
        ratings: Long = 0,
    ) =
        ReportFiguresInfo(
            opened = opened,
            resolved = resolved,
            reopened = reopened,
            firstResponses = if (firstReply == null) 0 else opened,
            firstResponseMedianSecs = firstReply,
            firstResponseP90Secs = firstReply?.times(3),
            resolutions = if (resolution == null) 0 else resolved,
            resolutionMedianSecs = resolution,
            resolutionP90Secs = resolution?.times(4),
            slaBreaches = breaches,
            callsPlaced = calls,
            callsAnswered = calls * 4 / 5,
            callsMissed = (calls - calls * 4 / 5 + 1) / 2,
            callsDeclined = (calls - calls * 4 / 5) / 2,
            talkSecs = calls * 4 / 5 * 312,
            csatCount = ratings,
            csatAverage = csat,
        )

    /** A department's busy weeks: more on Mondays, little at weekends, the same numbers every run. */
    private fun reportOver(days: Int): DailyReportInfo {
        var seed = 20261206L
        fun next(n: Int): Long {
            seed = (seed * 1103515245 + 12345) and 0x7fffffff
            return (seed shr 8) % n
        }
        val items =
            (days - 1 downTo 0).map { back ->
                val day = reportDay.minusDays(back.toLong())
                val weekend = day.dayOfWeek.value >= 6
                val base = if (weekend) 2 else if (day.dayOfWeek.value == 1) 16 else 10
                val opened = base + next(6)
                val resolved = maxOf(0, opened - 3 + next(6))
                ReportDayItem(
                    day.toString(),
                    figures(
                        opened,
                        resolved,
                        reopened = next(3),
                        firstReply = 600 + next(3000),
                        resolution = 3 * 3600 + next(20) * 3600,
                        breaches = next(3),
                        calls = next(8),
                        csat = 3.8 + next(12) / 10.0,
                        ratings = next(5),
                    ),
                )
            }
        val f = items.map { it.figures }
        val total =
            ReportFiguresInfo(
                opened = f.sumOf { it.opened },
                resolved = f.sumOf { it.resolved },
                reopened = f.sumOf { it.reopened },
                firstResponses = f.sumOf { it.firstResponses },
                firstResponseMedianSecs = 1_500,
                firstResponseP90Secs = 3 * 3600 + 5 * 60,
                resolutions = f.sumOf { it.resolutions },
                resolutionMedianSecs = 9 * 3600 + 20 * 60,
                resolutionP90Secs = 2 * 86_400 + 4 * 3600,
                slaBreaches = f.sumOf { it.slaBreaches },
                callsPlaced = f.sumOf { it.callsPlaced },
                callsAnswered = f.sumOf { it.callsAnswered },
                callsMissed = f.sumOf { it.callsMissed },
                callsDeclined = f.sumOf { it.callsDeclined },
                talkSecs = f.sumOf { it.talkSecs },
                csatCount = f.sumOf { it.csatCount },
                csatAverage = 4.3,
            )
        val agents =
            listOf(
                AgentReportItem(
                    bea.id,
                    bea.name,
                    figures(0, total.resolved * 5 / 10, firstReply = 1_140, csat = 4.6, ratings = total.csatCount / 2),
                ),
                AgentReportItem(
                    "u-bill",
                    "Bill Billing",
                    figures(0, total.resolved * 3 / 10, firstReply = 2_460, csat = 4.1, ratings = total.csatCount / 3),
                ),
                AgentReportItem(
                    "u-maximilian",
                    "Maximilian Featherstonehaugh-Smythe",
                    figures(0, total.resolved * 2 / 10, firstReply = 45),
                ),
            )
        return DailyReportInfo(
            departmentId = billing.id,
            timeZone = "Europe/Paris",
            from = items.first().day,
            to = items.last().day,
            days = items,
            total = total,
            agents = agents,
            asOfMs = now - 4 * MINUTE,
        )
    }

    private fun reportState(range: ReportRange, report: DailyReportInfo?) =
        ReportState(
            me = sam,
            departments = listOf(billing, tech),
            range = range,
            from = reportDay.minusDays(range.days - 1L).toString(),
            to = reportDay.toString(),
            report = report,
            loading = false,
            canExport = true,
        )

    val report7 = reportState(ReportRange.WEEK, reportOver(7))
    val report90 = reportState(ReportRange.QUARTER, reportOver(90))
    val reportLoading = reportState(ReportRange.WEEK, null).copy(loading = true)

    /** Offline, the 7-day report read this morning stays while the user asked for 30 days. */
    val reportOffline =
        reportState(ReportRange.MONTH, reportOver(7))
            .copy(
                cached = true,
                notice = "Offline — showing the report as of 09:12 (30 Nov – 6 Dec 2026)",
                noticeKind = NoticeKind.OFFLINE,
            )
    val reportRefused =
        ReportState(
            me = bea,
            from = reportDay.minusDays(6).toString(),
            to = reportDay.toString(),
            notice = "Only the department's supervisors and admins can see its daily report.",
            noticeKind = NoticeKind.REFUSED,
        )

    /** Offline on a device that never read the report. */
    val reportError =
        reportState(ReportRange.WEEK, null)
            .copy(
                notice = "Offline — the report needs the server, and none is saved on this device yet.",
                noticeKind = NoticeKind.ERROR,
            )

    /** An admin's view, another department picked, just after an export; nothing happened there yet. */
    val reportAdminExported =
        reportState(ReportRange.WEEK, null)
            .copy(
                me = UserInfo("u-ada", "Ada Admin", "ada@demo.test", Role.ADMIN, null, null),
                departmentId = tech.id,
                report =
                    reportOver(7).let { r ->
                        r.copy(
                            departmentId = tech.id,
                            days = r.days.map { it.copy(figures = figures(0, 0)) },
                            total = figures(0, 0),
                            agents = emptyList(),
                        )
                    },
                exportMessage =
                    "Saved the CSV to /home/ada/Downloads/daily-report-technical-support-2026-11-30-2026-12-06.csv",
            )
}
