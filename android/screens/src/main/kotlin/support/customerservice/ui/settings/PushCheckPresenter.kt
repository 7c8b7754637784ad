package support.customerservice.ui.settings

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.push.PushCheckResult
import support.customerservice.client.push.PushCheckStep
import support.customerservice.client.push.PushSelfTest
import support.customerservice.ui.common.Presenter

enum class StepStatus {
    WAITING,
    RUNNING,
    PASSED,
    FAILED,
    /** Not reached: an earlier step failed. */
    SKIPPED,
}

data class PushCheckState(
    val statuses: Map<PushCheckStep, StepStatus> = PushCheckStep.entries.associateWith { StepStatus.WAITING },
    val running: Boolean = false,
    val result: PushCheckResult? = null,
) {
    /** The failed step's advice, or the round trip. */
    val summary: String?
        get() =
            when (val r = result) {
                null -> null
                is PushCheckResult.Passed -> "Notifications work: a test push arrived ${r.roundTripMs} ms after asking."
                is PushCheckResult.Failed -> r.reason
            }

    /** The failure is the user's to fix in the system settings (the platform shows a button for it). */
    val canOpenSettings: Boolean
        get() = (result as? PushCheckResult.Failed)?.step == PushCheckStep.NOTIFICATIONS
}

sealed interface PushCheckEvent {
    data object Run : PushCheckEvent
}

/**
 * The push self-test screen ("Check notifications"): runs [PushSelfTest] and shows each step as it passes, and where it
 * stopped. Starts a run when it opens.
 */
class PushCheckPresenter(private val selfTest: PushSelfTest, scope: CoroutineScope) :
    Presenter<PushCheckState, PushCheckEvent>(PushCheckState(), scope) {
    init {
        onEvent(PushCheckEvent.Run)
    }

    override fun onEvent(event: PushCheckEvent) {
        when (event) {
            PushCheckEvent.Run -> {
                // Decided on the state, not on the job: the job is still finishing for a moment after it shows the
                // result, and a "Check again" tapped then must not be lost.
                var started = false
                setState {
                    started = !running
                    if (running) this else PushCheckState(running = true)
                }
                if (started) scope.launch { check() }
            }
        }
    }

    private suspend fun check() {
        val result =
            selfTest.run { step ->
                setState {
                    copy(
                        statuses =
                            statuses.mapValues { (s, status) ->
                                when {
                                    s == step -> StepStatus.RUNNING
                                    status == StepStatus.RUNNING -> StepStatus.PASSED
                                    else -> status
                                }
                            }
                    )
                }
            }
        setState {
            val failedAt = (result as? PushCheckResult.Failed)?.step
            copy(
                running = false,
                result = result,
                statuses =
                    statuses.mapValues { (s, _) ->
                        when {
                            failedAt == null || s.ordinal < failedAt.ordinal -> StepStatus.PASSED
                            s == failedAt -> StepStatus.FAILED
                            else -> StepStatus.SKIPPED
                        }
                    },
            )
        }
    }
}
