package support.customerservice.ui.outbox

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.OutboxItem
import support.customerservice.core.SyncState
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.outboxCues
import support.customerservice.ui.common.userMessage

data class OutboxState(
    val loading: Boolean = true,
    val items: List<OutboxItem> = emptyList(),
    /** Which ticket each item is about: "#1007 Refund please" (by ticket id). */
    val tickets: Map<String, String> = emptyMap(),
    val sync: SyncState = SyncState.CONNECTING,
    val error: String? = null,
)

sealed interface OutboxEvent {
    data class Retry(val id: Long) : OutboxEvent

    data class Discard(val id: Long) : OutboxEvent

    data object DismissError : OutboxEvent
}

/**
 * What waits for the server and what it refused, with retry and discard for each refused change. The outbox has no
 * listener of its own: it is read again at each of [outboxCues] and at each connection change.
 */
class OutboxPresenter(private val core: CustomerServiceCore, scope: CoroutineScope) :
    Presenter<OutboxState, OutboxEvent>(OutboxState(), scope) {

    init {
        scope.launch { core.outboxCues(state.map { it.items }).collect { reload() } }
        scope.launch {
            core.syncStateFlow().collect { s ->
                setState { copy(sync = s) }
                reload()
            }
        }
    }

    override fun onEvent(event: OutboxEvent) {
        when (event) {
            is OutboxEvent.Retry -> act { core.retryOutboxItem(event.id) }
            is OutboxEvent.Discard -> act { core.discardOutboxItem(event.id) }
            OutboxEvent.DismissError -> setState { copy(error = null) }
        }
    }

    private fun act(block: suspend () -> Unit) {
        scope.launch {
            try {
                block()
            } catch (e: CoreException) {
                setState { copy(error = e.userMessage()) }
            }
            reload()
        }
    }

    private suspend fun reload() {
        try {
            val items = core.outbox()
            val tickets =
                items
                    .map { it.ticketId }
                    .distinct()
                    .mapNotNull { id ->
                        core.ticket(id)?.let { t ->
                            id to listOfNotNull(t.number?.let { "#$it" }, t.subject).joinToString(" ")
                        }
                    }
                    .toMap()
            setState { copy(loading = false, items = items, tickets = tickets) }
        } catch (e: CoreException) {
            setState { copy(loading = false, error = e.userMessage()) }
        }
    }
}
