package support.customerservice.client

import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import org.junit.jupiter.api.Test
import support.customerservice.core.CoreException
import support.customerservice.core.PushAction
import support.customerservice.core.parsePush

/** A push's data map, as FirebaseMessagingService hands it over, becomes the core's typed action. */
class PushTest {

    @Test
    fun `an incoming call push becomes the call screen action`() {
        val callId = UUID.randomUUID().toString()
        val ticketId = UUID.randomUUID().toString()
        val action =
            parsePush(
                mapOf(
                    "type" to "incoming_call",
                    "push_id" to "p1",
                    "call_id" to callId,
                    "ticket_id" to ticketId,
                    "ticket_number" to "42",
                    "ticket_subject" to "No sound",
                    "caller_id" to UUID.randomUUID().toString(),
                    "caller_name" to "Bea",
                    "created_at" to "2026-11-24T15:00:00Z",
                )
            )
        assertEquals(PushAction.IncomingCall("p1", callId, ticketId, "Bea", "No sound", null), action)
    }

    @Test
    fun `stop ringing and message pushes parse and a foreign push is refused`() {
        val id = UUID.randomUUID().toString()
        val stop = parsePush(mapOf("type" to "stop_ringing", "push_id" to "p2", "call_id" to id, "reason" to "missed"))
        assertEquals(PushAction.StopRinging("p2", id, "missed"), stop)
        val message =
            parsePush(
                mapOf(
                    "type" to "message",
                    "push_id" to "p3",
                    "ticket_id" to id,
                    "ticket_number" to "7",
                    "message_id" to id,
                )
            )
        assertEquals(PushAction.ShowMessage("p3", id, id), message)
        assertFailsWith<CoreException.Invalid> { parsePush(mapOf("type" to "promo")) }
    }
}
