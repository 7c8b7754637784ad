package support.customerservice.ui.staff

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.Colleague
import support.customerservice.core.CoreException
import support.customerservice.core.StaffStatus
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

data class StaffStatusState(
    val myId: String,
    val status: StaffStatus,
    /** Everyone else in the department, Active first. */
    val colleagues: List<Colleague> = emptyList(),
    /** The switch is waiting for the server. */
    val switching: Boolean = false,
    val error: String? = null,
) {
    val active: Boolean
        get() = status == StaffStatus.ACTIVE

    val activeColleagues: Int
        get() = colleagues.count { it.status == StaffStatus.ACTIVE }
}

sealed interface StaffStatusEvent {
    data class SetActive(val active: Boolean) : StaffStatusEvent

    data object DismissError : StaffStatusEvent
}

/**
 * The Active/Off switch of the staff top bar, and the colleagues' presence. Switching needs the server: only Active
 * staff are offered chats and calls, so the switch shows what the server holds, never a guess.
 */
class StaffStatusPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    myId: String,
    initial: StaffStatus,
) : Presenter<StaffStatusState, StaffStatusEvent>(StaffStatusState(myId = myId, status = initial), scope) {

    init {
        scope.launch {
            core.colleaguesFlow().collect { all ->
                val me = all.firstOrNull { it.id == myId }
                val others =
                    all.filter { it.id != myId }
                        .sortedWith(compareBy<Colleague>({ it.status != StaffStatus.ACTIVE }, { it.name }))
                setState { copy(colleagues = others, status = if (switching || me == null) status else me.status) }
            }
        }
    }

    override fun onEvent(event: StaffStatusEvent) {
        when (event) {
            is StaffStatusEvent.SetActive -> switch(if (event.active) StaffStatus.ACTIVE else StaffStatus.OFF)
            StaffStatusEvent.DismissError -> setState { copy(error = null) }
        }
    }

    private fun switch(to: StaffStatus) {
        if (current.switching || current.status == to) return
        setState { copy(switching = true, error = null) }
        scope.launch {
            try {
                val user = core.setStatus(to)
                setState { copy(switching = false, status = user.status ?: to) }
            } catch (e: CoreException) {
                setState {
                    copy(
                        switching = false,
                        error =
                            "Could not switch ${if (to == StaffStatus.ACTIVE) "Active" else "Off"}: ${e.userMessage()}",
                    )
                }
            }
        }
    }
}
