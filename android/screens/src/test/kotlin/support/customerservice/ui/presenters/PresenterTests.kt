package support.customerservice.ui.presenters

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.plus
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketDetail
import support.customerservice.core.TicketItem
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer

// What the presenter tests share: customers, sent tickets, waiting for a
// core's connection, and the server's own view of a ticket.

/** The email a test customer called [name] registers with. */
fun customerEmail(name: String): String = name.lowercase().replace(' ', '.') + "@customer.example"

/** Registers a customer called [name] on this core. */
suspend fun CustomerServiceCore.registerCustomer(name: String): UserInfo =
    register(customerEmail(name), TestServer.PASSWORD, name)

/** Waits until [core] is connected and caught up. */
suspend fun CoreTest.awaitLive(core: CustomerServiceCore) {
    core.syncStateFlow().probe().awaitMatching("the core live") { it == SyncState.LIVE }
}

/** Waits until [core] knows the server is gone. */
suspend fun CoreTest.awaitOffline(core: CustomerServiceCore) {
    core.syncStateFlow().probe().awaitMatching("the core offline") { it == SyncState.OFFLINE }
}

/** Opens a ticket and waits until the server has it (numbered, its first message sent). */
suspend fun CoreTest.sentTicket(
    core: CustomerServiceCore,
    department: String,
    subject: String,
    body: String = "Please help.",
): TicketItem {
    val created = core.createTicket(department, subject, body)
    return awaitTicket(core, created.id, "$subject sent") { d ->
            d.ticket.number != null && d.messages.all { it.sendState == SendState.Sent }
        }
        .ticket
}

/** Waits until [core]'s cache shows the ticket as [predicate] wants it. */
suspend fun CoreTest.awaitTicket(
    core: CustomerServiceCore,
    ticketId: String,
    what: String,
    predicate: (TicketDetail) -> Boolean,
): TicketDetail = core.ticketFlow(ticketId).probe().awaitMatching(what, predicate = predicate)

/** The ticket as the server has it, seen with [token]. */
fun TestServer.ticket(ticketId: String, token: String): JsonObject =
    call("GET", "/v1/tickets/$ticketId", token).jsonObject

/** A string field of the server's JSON; `null` when absent or null. */
fun JsonObject.text(key: String): String? = get(key)?.jsonPrimitive?.contentOrNull

/** The server's messages of a ticket seen with [token], oldest first. */
fun TestServer.messages(ticketId: String, token: String): List<JsonObject> =
    call("GET", "/v1/tickets/$ticketId/messages", token).jsonObject.getValue("messages").jsonArray.map { it.jsonObject }

/**
 * Creates a presenter in a child of [parent] whose coroutines wait until [beforeItStarts] has looked at it: the state
 * it starts with, before anything it launched has run. Its work then runs on a thread of its own, ended with [parent].
 */
fun <P> startHeld(parent: CoroutineScope, create: (CoroutineScope) -> P, beforeItStarts: (P) -> Unit): P {
    val gate = CountDownLatch(1)
    val executor = Executors.newSingleThreadExecutor().also { it.execute { gate.await() } }
    parent.coroutineContext[Job]?.invokeOnCompletion { executor.shutdown() }
    try {
        return create(parent + executor.asCoroutineDispatcher()).also(beforeItStarts)
    } finally {
        gate.countDown()
    }
}
