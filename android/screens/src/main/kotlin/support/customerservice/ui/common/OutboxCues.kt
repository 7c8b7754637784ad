package support.customerservice.ui.common

import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.merge
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.OutboxItem

/**
 * When to read the outbox again: the core has no outbox listener. A new ticket or a ticket change (queued, sent,
 * refused) changes the ticket list; a message sent or refused changes only its ticket's detail, so the details of the
 * tickets with something in the outbox ([items], as last read) are watched too.
 */
@OptIn(ExperimentalCoroutinesApi::class)
fun CustomerServiceCore.outboxCues(items: Flow<List<OutboxItem>>): Flow<Unit> =
    merge(
        ticketsFlow(limit = 1).map {},
        items
            .map { list -> list.map { it.ticketId }.toSet() }
            .distinctUntilChanged()
            .flatMapLatest { ids -> ids.map { ticketFlow(it) }.merge() }
            .map {},
    )
