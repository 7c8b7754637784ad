package support.customerservice.client.push

import support.customerservice.client.calls.RingingCalls
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase
import support.customerservice.core.PushAction

/** What the app does with one push. */
sealed interface PushDecision {
    /** Show the incoming-call notification and screen for [ringForMs] (then it rang out). */
    data class Ring(
        val callId: String,
        val ticketId: String,
        val callerName: String,
        val ticketSubject: String,
        val ringForMs: Long,
        /** Already in a call: ring as a heads-up notification, never over the current call's screen. */
        val inAnotherCall: Boolean,
    ) : PushDecision

    /** Take the call's notification and screen down. */
    data class StopRinging(val callId: String, val reason: String) : PushDecision

    data class NotifyMessage(val ticketId: String, val messageId: String) : PushDecision

    data class NotifyStatus(val ticketId: String, val status: String) : PushDecision

    /** The ticket was resolved: ask the customer to rate it (the notification opens the ticket, where they rate). */
    data class AskRating(val ticketId: String) : PushDecision

    /** To a supervisor: the ticket missed its `first_response` or `resolution` target. */
    data class NotifySlaBreach(val ticketId: String, val ticketNumber: Long, val target: String) : PushDecision

    /** The push self-test's push arrived, [receivedAtMs] − [sentAtMs] after the server sent it. */
    data class TestArrived(val pushId: String, val sentAtMs: Long, val receivedAtMs: Long) : PushDecision

    /** Nothing to do; [why] goes to the log. */
    data class Ignore(val why: String) : PushDecision
}

/**
 * Decides what a push does, given what the core knows of this device's calls. FCM may deliver a push twice, late, or
 * after a later one, so: a repeated `push_id` is ignored; a call push that arrives after its ring deadline, after its
 * stop-ringing push, after the user declined it here, or for a call the core already shows answered or ended does not
 * ring.
 *
 * Plain Kotlin, one per process (the FirebaseMessagingService's pushes all pass through it), thread-safe.
 */
class PushHandler(
    private val now: () -> Long = System::currentTimeMillis,
    private val remembered: Int = 256,
    /** The calls ringing and done on this device, shared with what rings them (declined here, stopped by push). */
    private val ringing: RingingCalls = RingingCalls(),
) {

    private val seenPushes = LinkedHashSet<String>()

    @Synchronized
    fun decide(action: PushAction, calls: List<CallInfo>): PushDecision {
        if (!remember(seenPushes, action.pushId))
            return PushDecision.Ignore("push ${action.pushId} was already handled")
        return when (action) {
            is PushAction.IncomingCall -> ring(action, calls)
            is PushAction.StopRinging -> {
                ringing.finish(action.callId)
                PushDecision.StopRinging(action.callId, action.reason)
            }
            is PushAction.ShowMessage -> PushDecision.NotifyMessage(action.ticketId, action.messageId)
            is PushAction.OpenTicket -> PushDecision.NotifyStatus(action.ticketId, action.status)
            is PushAction.AskRating -> PushDecision.AskRating(action.ticketId)
            is PushAction.SlaBreach -> PushDecision.NotifySlaBreach(action.ticketId, action.ticketNumber, action.target)
            is PushAction.Test -> PushDecision.TestArrived(action.pushId, action.sentAtMs, now())
        }
    }

    private fun ring(action: PushAction.IncomingCall, calls: List<CallInfo>): PushDecision {
        if (ringing.isFinished(action.callId))
            return PushDecision.Ignore("call ${action.callId} already stopped ringing")
        val known = calls.find { it.id == action.callId }
        if (known != null && known.phase !is CallPhase.Ringing) {
            return PushDecision.Ignore("call ${action.callId} is no longer ringing here")
        }
        val ringForMs = action.ringDeadlineMs?.let { it - now() } ?: DEFAULT_RING_MS
        if (ringForMs < MIN_RING_MS)
            return PushDecision.Ignore("call ${action.callId} rang out before its push arrived")
        val inAnotherCall = calls.any { it.id != action.callId && it.phase.isLive() }
        return PushDecision.Ring(
            callId = action.callId,
            ticketId = action.ticketId,
            callerName = action.callerName,
            ticketSubject = action.ticketSubject,
            ringForMs = ringForMs,
            inAnotherCall = inAnotherCall,
        )
    }

    /** Adds [id]; false if it was there. Keeps the newest [remembered]. */
    private fun remember(set: LinkedHashSet<String>, id: String): Boolean {
        if (!set.add(id)) return false
        if (set.size > remembered) set.remove(set.first())
        return true
    }

    companion object {
        /** The server's ring timeout, for a push from a server that sends no deadline. */
        const val DEFAULT_RING_MS = 30_000L

        /** Less than this left of the ring is not worth waking the screen for. */
        const val MIN_RING_MS = 1_000L
    }
}

private val PushAction.pushId: String
    get() =
        when (this) {
            is PushAction.IncomingCall -> pushId
            is PushAction.StopRinging -> pushId
            is PushAction.ShowMessage -> pushId
            is PushAction.OpenTicket -> pushId
            is PushAction.AskRating -> pushId
            is PushAction.SlaBreach -> pushId
            is PushAction.Test -> pushId
        }

private fun CallPhase.isLive() =
    this is CallPhase.Connecting || this is CallPhase.Connected || this is CallPhase.Reconnecting
