package support.customerservice.ui.call

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.audio.AudioUnavailableException
import support.customerservice.core.CallDirection
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase
import support.customerservice.core.CallQuality
import support.customerservice.core.CoreException
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

/** Which call screen shows, if any. */
enum class CallScreenKind {
    NONE,
    INCOMING,
    IN_CALL,
}

data class CallState(
    /** The call on screen: ringing here, under way, or just ended. */
    val call: CallInfo? = null,
    /** Whole seconds since the audio connected. */
    val elapsedSeconds: Long = 0,
    val quality: CallQuality? = null,
    /** Accept, decline or hang up is waiting for the server. */
    val busy: Boolean = false,
    val error: String? = null,
) {
    val kind: CallScreenKind
        get() =
            when {
                call == null -> CallScreenKind.NONE
                call.direction == CallDirection.INCOMING && call.phase == CallPhase.Ringing -> CallScreenKind.INCOMING
                else -> CallScreenKind.IN_CALL
            }

    val ended: Boolean
        get() = call?.phase is CallPhase.Ended
}

sealed interface CallEvent {
    data object Accept : CallEvent

    data object Decline : CallEvent

    data object HangUp : CallEvent

    data object ToggleMute : CallEvent
}

/** The call phase as the call screen says it. */
fun CallPhase.label(direction: CallDirection): String =
    when (this) {
        CallPhase.Ringing -> if (direction == CallDirection.OUTGOING) "Ringing…" else "Incoming call"
        CallPhase.Connecting -> "Connecting…"
        CallPhase.Connected -> "Connected"
        CallPhase.Reconnecting -> "Reconnecting…"
        is CallPhase.Ended ->
            when (outcome) {
                "ended" -> "Call ended"
                "declined" -> "Declined"
                "missed" -> "No answer"
                "cancelled" -> "Cancelled"
                "answered_elsewhere" -> "Answered on another device"
                "failed" -> "Call failed"
                else -> "Call over ($outcome)"
            }
    }

/**
 * The incoming-call and in-call screens, raised by the core's calls (the push path opens the app into the same state).
 * Counts the connected time, polls the call's quality, shows the outcome of an ended call for [endedShowMs] and then
 * hands the ticket back through [onEnded].
 */
class CallPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    private val audio: CallAudio,
    private val onEnded: (ticketId: String) -> Unit = {},
    private val endedShowMs: Long = 2_500,
) : Presenter<CallState, CallEvent>(CallState(), scope) {

    private var connectedAt: Long? = null
    private var connectedCall: String? = null
    private var ticker: Job? = null
    private var dismiss: Job? = null

    init {
        scope.launch { core.callsFlow().collect(::show) }
    }

    private fun show(calls: List<CallInfo>) {
        val live = calls.firstOrNull { it.phase !is CallPhase.Ended }
        val shown = current.call
        // A live call wins; an ended one is shown only if it was on screen.
        val call = live ?: calls.firstOrNull { it.id == shown?.id }
        when {
            call == null -> {} // an ended call stays until its dismissal
            call.phase is CallPhase.Ended -> ended(call)
            else -> {
                dismiss?.cancel()
                if (call.phase == CallPhase.Connected && connectedCall != call.id) startTimer(call.id)
                setState { copy(call = call, error = if (call.id != shown?.id) null else error) }
            }
        }
    }

    private fun startTimer(callId: String) {
        connectedCall = callId
        val start = System.currentTimeMillis()
        connectedAt = start
        ticker?.cancel()
        ticker =
            scope.launch {
                var tick = 0
                while (isActive) {
                    setState { copy(elapsedSeconds = (System.currentTimeMillis() - start) / 1000) }
                    if (tick++ % 2 == 0) {
                        runCatching { core.callQuality(callId) }.onSuccess { q -> setState { copy(quality = q) } }
                    }
                    delay(1_000 - (System.currentTimeMillis() - start) % 1_000)
                }
            }
    }

    private fun ended(call: CallInfo) {
        if (current.ended && current.call?.id == call.id) return
        ticker?.cancel()
        val seconds = connectedAt?.let { (System.currentTimeMillis() - it) / 1000 } ?: 0
        setState { copy(call = call, busy = false, elapsedSeconds = seconds) }
        dismiss?.cancel()
        dismiss =
            scope.launch {
                delay(endedShowMs)
                connectedAt = null
                connectedCall = null
                setState { CallState() }
                onEnded(call.ticketId)
            }
    }

    override fun onEvent(event: CallEvent) {
        val call = current.call ?: return
        when (event) {
            CallEvent.Accept ->
                act {
                    if (audio.requestMicrophone()) core.acceptCall(call.id, audio.device())
                    else setState { copy(error = MICROPHONE_REFUSED) }
                }
            CallEvent.Decline -> act { core.declineCall(call.id) }
            CallEvent.HangUp -> act { core.hangUp(call.id) }
            CallEvent.ToggleMute ->
                try {
                    core.setCallMuted(call.id, !call.muted)
                    setState { copy(call = this.call?.copy(muted = !call.muted)) }
                } catch (e: CoreException) {
                    setState { copy(error = e.userMessage()) }
                }
        }
    }

    private fun act(block: suspend () -> Unit) {
        if (current.busy) return
        setState { copy(busy = true, error = null) }
        scope.launch {
            try {
                block()
            } catch (e: CoreException) {
                setState { copy(error = e.userMessage()) }
            } catch (e: AudioUnavailableException) {
                setState { copy(error = "Couldn't answer: ${e.message}") }
            } finally {
                setState { copy(busy = false) }
            }
        }
    }
}
