package support.customerservice.client.calls

import support.customerservice.core.CallDirection
import support.customerservice.core.CallInfo
import support.customerservice.core.CallPhase

/** What to change on screen after the core's calls changed. */
data class RingingChange(val ring: List<CallInfo>, val stop: List<String>)

/**
 * Which incoming calls ring this device, as the core sees them: a call the socket announced while the app runs in the
 * background (the server pushes only to devices without a live socket) must ring as if a push had come, and a call that
 * stops ringing (answered elsewhere, cancelled, declined, missed) must stop, whichever way it started ringing. Plain
 * Kotlin: the app feeds it every value of `callsFlow()` and applies the change; [markRinging] records a call that a
 * push made ring.
 */
class RingingCalls {
    private val ringing = LinkedHashSet<String>()
    /** Calls that stopped ringing here: they never ring again (the core may still show one ringing a moment). */
    private val finished = LinkedHashSet<String>()

    @Synchronized
    fun update(calls: List<CallInfo>): RingingChange {
        val nowRinging =
            calls
                .filter { it.direction == CallDirection.INCOMING && it.phase == CallPhase.Ringing }
                .map { it.id }
                .toSet()
        val ring = calls.filter { it.id in nowRinging && it.id !in ringing && it.id !in finished }
        val stop = ringing.filter { it !in nowRinging && calls.any { call -> call.id == it } }
        ringing.addAll(ring.map { it.id })
        stop.forEach(::finish)
        return RingingChange(ring, stop)
    }

    /** A push rang [callId]: the core's view will stop it later, and must not ring it again. */
    @Synchronized
    fun markRinging(callId: String) {
        ringing.add(callId)
    }

    /** [callId] stopped ringing here (declined, answered, a stop-ringing push): it does not ring again. */
    @Synchronized
    fun finish(callId: String) {
        ringing.remove(callId)
        if (finished.add(callId) && finished.size > REMEMBERED) finished.remove(finished.first())
    }

    @Synchronized fun isFinished(callId: String): Boolean = callId in finished

    private companion object {
        const val REMEMBERED = 64
    }
}
