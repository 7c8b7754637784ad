package support.customerservice.ui.tickets

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.all
import support.customerservice.core.Priority
import support.customerservice.core.SlaFilter
import support.customerservice.core.SyncState
import support.customerservice.core.TicketFilter
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketSort
import support.customerservice.core.TicketStatus
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

/** Whose tickets the staff queue shows. */
enum class AssigneeFilter(val label: String, val wire: String?) {
    ANYONE("Anyone", null),
    ME("Mine", "me"),
    UNASSIGNED("Unassigned", "unassigned"),
}

/** What the queue is narrowed to; `null` means any. */
data class QueueFilter(
    val status: TicketStatus? = null,
    val priority: Priority? = null,
    val assignee: AssigneeFilter = AssigneeFilter.ANYONE,
    val sort: TicketSort = TicketSort.UPDATED,
    val query: String = "",
    /** At risk of missing a service-level target, or missed one. */
    val sla: SlaFilter? = null,
) {
    fun toCore(): TicketFilter =
        TicketFilter.all()
            .copy(
                statuses = listOfNotNull(status),
                priorities = listOfNotNull(priority),
                assignee = assignee.wire,
                query = query.trim().ifEmpty { null },
                sort = sort,
                sla = sla,
            )
}

/** How many cached tickets each filter choice would show, the other choices kept. */
data class QueueCounts(
    val byStatus: Map<TicketStatus?, Int> = emptyMap(),
    val byAssignee: Map<AssigneeFilter, Int> = emptyMap(),
    /** The filter they were counted under (they follow the list shortly after). */
    val filter: QueueFilter? = null,
)

data class TicketListState(
    val staff: Boolean,
    /** Until the cache has answered once. */
    val loading: Boolean = true,
    val tickets: List<TicketItem> = emptyList(),
    val filter: QueueFilter = QueueFilter(),
    val counts: QueueCounts = QueueCounts(),
    val sync: SyncState = SyncState.CONNECTING,
    val refreshing: Boolean = false,
    val error: String? = null,
) {
    val filtered: Boolean
        get() = filter.copy(sort = TicketSort.UPDATED) != QueueFilter()
}

sealed interface TicketListEvent {
    data object Refresh : TicketListEvent

    data class SetStatus(val status: TicketStatus?) : TicketListEvent

    data class SetPriority(val priority: Priority?) : TicketListEvent

    data class SetAssignee(val assignee: AssigneeFilter) : TicketListEvent

    data class SetSort(val sort: TicketSort) : TicketListEvent

    data class SetSla(val sla: SlaFilter?) : TicketListEvent

    data class SetQuery(val query: String) : TicketListEvent

    data object DismissError : TicketListEvent
}

/**
 * A customer's "My tickets" and the staff queue: the cached list, live, under the chosen filter, with counts per filter
 * (staff) and the connection state.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class TicketListPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    staff: Boolean,
    private val pageSize: Int = 200,
) : Presenter<TicketListState, TicketListEvent>(TicketListState(staff = staff), scope) {

    private val filter = MutableStateFlow(QueueFilter())
    private val listVersion = MutableStateFlow(0L)

    init {
        scope.launch {
            filter
                .flatMapLatest { core.ticketsFlow(it.toCore(), pageSize) }
                .catch { e -> setState { copy(loading = false, error = e.userMessage()) } }
                .collect { list ->
                    setState { copy(loading = false, tickets = list) }
                    listVersion.value++
                }
        }
        // The counts follow the list, never hold it back: eight counts over a
        // large cache take longer than the page itself.
        if (staff) {
            scope.launch {
                listVersion.collectLatest { version ->
                    if (version == 0L) return@collectLatest
                    val counts = counts(filter.value)
                    setState { copy(counts = counts) }
                }
            }
        }
        scope.launch { core.syncStateFlow().collect { s -> setState { copy(sync = s) } } }
    }

    override fun onEvent(event: TicketListEvent) {
        when (event) {
            TicketListEvent.Refresh -> refresh()
            is TicketListEvent.SetStatus -> setFilter { copy(status = event.status) }
            is TicketListEvent.SetPriority -> setFilter { copy(priority = event.priority) }
            is TicketListEvent.SetAssignee -> setFilter { copy(assignee = event.assignee) }
            is TicketListEvent.SetSort -> setFilter { copy(sort = event.sort) }
            is TicketListEvent.SetSla -> setFilter { copy(sla = event.sla) }
            is TicketListEvent.SetQuery -> setFilter { copy(query = event.query) }
            TicketListEvent.DismissError -> setState { copy(error = null) }
        }
    }

    private fun setFilter(change: QueueFilter.() -> QueueFilter) {
        val next = filter.value.change()
        setState { copy(filter = next) }
        filter.value = next
    }

    /** Pull to refresh: connect now if away, and wait until caught up. */
    private fun refresh() {
        if (current.refreshing) return
        setState { copy(refreshing = true, error = null) }
        scope.launch {
            core.reconnectNow()
            val live = withTimeoutOrNull(REFRESH_WAIT_MS) { core.syncStateFlow().first { it == SyncState.LIVE } }
            setState {
                copy(
                    refreshing = false,
                    error = if (live == null) "Couldn't refresh: the server can't be reached." else null,
                )
            }
        }
    }

    private suspend fun counts(f: QueueFilter): QueueCounts {
        val statuses = listOf(null) + TicketStatus.entries
        return QueueCounts(
            byStatus = statuses.associateWith { core.countTickets(f.copy(status = it).toCore()) },
            byAssignee = AssigneeFilter.entries.associateWith { core.countTickets(f.copy(assignee = it).toCore()) },
            filter = f,
        )
    }

    companion object {
        const val REFRESH_WAIT_MS = 10_000L
    }
}
