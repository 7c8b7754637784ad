package support.customerservice.client

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.mapNotNull
import support.customerservice.core.CallInfo
import support.customerservice.core.CallListener
import support.customerservice.core.CannedRepliesListener
import support.customerservice.core.CannedReplyItem
import support.customerservice.core.Client
import support.customerservice.core.Colleague
import support.customerservice.core.ColleaguesListener
import support.customerservice.core.CoreException
import support.customerservice.core.SyncState
import support.customerservice.core.SyncStateListener
import support.customerservice.core.TaskHandle
import support.customerservice.core.TicketDetail
import support.customerservice.core.TicketDetailListener
import support.customerservice.core.TicketFilter
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketListListener

// The core's listeners as cold Flows. Collecting subscribes (the first value
// comes at once, from the cache); cancelling the collector cancels the
// core's TaskHandle. Listeners are called on the core's threads and only
// hand the value to the flow's channel. The re-reads below run in the
// collector's context: CustomerServiceCore moves them off the main thread.

/** The ticket list now and after every change. Conflated: a slow collector gets the newest list, never a stale one. */
fun Client.ticketsFlow(filter: TicketFilter, limit: UInt): Flow<List<TicketItem>> =
    observed(
            subscribe = { send ->
                observeTickets(
                    filter,
                    limit,
                    object : TicketListListener {
                        override fun onUpdate(tickets: List<TicketItem>) = send(tickets)
                    },
                )
            },
            read = { tickets(filter, limit) },
        )
        .conflate()

/**
 * A ticket with its messages and timeline, now and after every change. Emits nothing until the ticket is in the cache.
 * Conflated like the list.
 */
fun Client.ticketFlow(ticketId: String): Flow<TicketDetail> =
    observed(
            subscribe = { send ->
                observeTicket(
                    ticketId,
                    object : TicketDetailListener {
                        override fun onUpdate(detail: TicketDetail) = send(detail)
                    },
                )
            },
            read = { ticketDetail(ticketId) },
        )
        .conflate()

/**
 * The colleagues with their Active/Off status, now and after every change (presence events included). Conflated like
 * the list.
 */
fun Client.colleaguesFlow(): Flow<List<Colleague>> =
    observed(
            subscribe = { send ->
                observeColleagues(
                    object : ColleaguesListener {
                        override fun onUpdate(colleagues: List<Colleague>) = send(colleagues)
                    }
                )
            },
            read = { colleagues() },
        )
        .conflate()

/** Every cached canned reply, now and after each change (a colleague's edit included). Conflated like the list. */
fun Client.cannedRepliesFlow(): Flow<List<CannedReplyItem>> =
    observed(
            subscribe = { send ->
                observeCannedReplies(
                    object : CannedRepliesListener {
                        override fun onUpdate(replies: List<CannedReplyItem>) = send(replies)
                    }
                )
            },
            read = { cannedReplies(null, "") },
        )
        .conflate()

/**
 * The calls of this device (incoming ones ringing, connecting, connected, just ended) now and after every change, in
 * order: the call screen must not miss a transition, nor an ended call (shown once).
 */
fun Client.callsFlow(): Flow<List<CallInfo>> =
    observed(
            subscribe = { send ->
                observeCalls(
                    object : CallListener {
                        override fun onCalls(calls: List<CallInfo>) = send(calls)
                    }
                )
            },
            read = { calls() },
        )
        .buffer(Channel.UNLIMITED)

/** The connection state now and at every transition, in order. */
fun Client.syncStateFlow(): Flow<SyncState> =
    observed(
            subscribe = { send ->
                observeSyncState(
                    object : SyncStateListener {
                        override fun onState(state: SyncState) = send(state)
                    }
                )
            },
            read = { syncState() },
        )
        .buffer(Channel.UNLIMITED)

/**
 * One of the core's subscriptions as a Flow. [subscribe] registers a listener that passes its values to `send`; [read]
 * gets the same value directly.
 *
 * The core hands a new listener the current value *before* it registers it, so a change in between is never delivered:
 * the state flow would stay on SYNCING while the core is LIVE, a list would keep showing a sent ticket as pending. So
 * once the listener is registered, a marker (`null`) goes into the same channel, and the collector reads the value
 * again when it reaches it, in order with the listener's values. Repeats are dropped.
 */
private inline fun <T : Any> observed(
    crossinline subscribe: (send: (T) -> Unit) -> TaskHandle,
    crossinline read: () -> T?,
): Flow<T> =
    callbackFlow<T?> {
            // A subscription made after the core was closed (a screen still collecting as it goes away) ends quietly.
            val handle =
                try {
                    subscribe { value -> trySend(value) }
                } catch (_: IllegalStateException) {
                    null
                }
            if (handle == null) close() else trySend(null)
            awaitClose { handle?.end() }
        }
        .buffer(Channel.UNLIMITED)
        .mapNotNull { it ?: readOrNull(read) }
        .distinctUntilChanged()

/**
 * A failed re-read is skipped, as the core skips a failed refresh. After the core was closed (uniffi's
 * IllegalStateException) no values come.
 */
private inline fun <T : Any> readOrNull(read: () -> T?): T? =
    try {
        read()
    } catch (_: CoreException) {
        null
    } catch (_: IllegalStateException) {
        null
    }

/** Stops the updates and frees the handle now (not at garbage collection). */
private fun TaskHandle.end() {
    cancel()
    close()
}
