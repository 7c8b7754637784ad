package support.customerservice.android

import android.app.NotificationManager
import android.content.Intent
import java.time.Instant
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import support.customerservice.android.calls.CallActionReceiver
import support.customerservice.android.calls.CallIntents
import support.customerservice.android.calls.IncomingCallNotifier
import support.customerservice.android.notifications.MessageNotifier
import support.customerservice.client.push.PushDecision
import support.customerservice.testing.TestServer

/**
 * What a push does on the phone, from the data map FirebaseMessagingService hands over to what Android shows, through
 * the real core (its `parsePush`, its calls) against a real server.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class PushPathTest {
    private lateinit var server: TestServer
    private lateinit var services: AppServices
    private val app = RuntimeEnvironment.getApplication() as TestApplication
    private val manager = app.getSystemService(NotificationManager::class.java)

    @Before
    fun start() {
        server = TestServer("PushPathTest").start()
        services = app.startServices(server.url)
    }

    @After
    fun stop() {
        runBlocking { services.core.await().close() }
        server.close()
    }

    private val callId = UUID.randomUUID().toString()
    private val ticketId = UUID.randomUUID().toString()

    private fun incomingCall(pushId: String, deadline: Instant = Instant.now().plusSeconds(30)) =
        mapOf(
            "type" to "incoming_call",
            "push_id" to pushId,
            "call_id" to callId,
            "ticket_id" to ticketId,
            "ticket_number" to "42",
            "ticket_subject" to "Router keeps rebooting",
            "caller_id" to UUID.randomUUID().toString(),
            "caller_name" to "Ann Customer",
            "created_at" to Instant.now().toString(),
            "ring_deadline" to deadline.toString(),
        )

    private fun stopRinging(pushId: String) =
        mapOf("type" to "stop_ringing", "push_id" to pushId, "call_id" to callId, "reason" to "answered_elsewhere")

    private fun push(data: Map<String, String>) = runBlocking { services.dispatcher.onPush(data) }

    private fun callNotification() = shadowOf(manager).getNotification(callId, IncomingCallNotifier.ID)

    @Test
    fun `a call push rings, a repeat of it does nothing, and stop ringing takes it down`() {
        val ring = assertIs<PushDecision.Ring>(push(incomingCall("p1")))
        assertTrue(ring.ringForMs in 25_000..30_000, "${ring.ringForMs}")
        val shown = assertNotNull(callNotification())
        assertTrue(shown.timeoutAfter in 25_000..30_000)
        assertEquals(1, shadowOf(manager).allNotifications.size)

        assertIs<PushDecision.Ignore>(push(incomingCall("p1")), "FCM delivered it twice")
        assertEquals(1, shadowOf(manager).allNotifications.size)

        assertIs<PushDecision.StopRinging>(push(stopRinging("p2")))
        assertNull(callNotification())
    }

    @Test
    fun `a call push that arrives after the ring deadline stays silent`() {
        assertIs<PushDecision.Ignore>(push(incomingCall("p1", deadline = Instant.now().minusSeconds(2))))
        assertNull(callNotification())
    }

    @Test
    fun `a stop ringing that overtakes its call push keeps the phone quiet`() {
        push(stopRinging("p2"))
        assertIs<PushDecision.Ignore>(push(incomingCall("p1")))
        assertNull(callNotification())
    }

    @Test
    fun `decline on the notification stops the ringing at once, even offline`() {
        push(incomingCall("p1"))
        server.stop() // the decline cannot reach the server: the phone still goes quiet
        CallActionReceiver()
            .onReceive(app, Intent(CallIntents.ACTION_DECLINE).putExtra(CallIntents.EXTRA_CALL_ID, callId))
        assertNull(callNotification())
        // And a late copy of the call push does not ring again.
        push(incomingCall("p3"))
        assertNull(callNotification())
    }

    @Test
    fun `a foreign push is dropped`() {
        assertIs<PushDecision.Ignore>(push(mapOf("type" to "promo", "push_id" to "x")))
        assertEquals(0, shadowOf(manager).allNotifications.size)
    }

    @Test
    fun `a test push reaches the self-test with its arrival time`() = runBlocking {
        val arrival = async { withTimeout(5_000) { services.pushDevice.testPushes.first() } }
        kotlinx.coroutines.yield()
        val sentAt = Instant.now().minusMillis(80)
        push(mapOf("type" to "test", "push_id" to "t1", "sent_at" to sentAt.toString()))
        val arrived = arrival.await()
        assertEquals("t1", arrived.pushId)
        assertEquals(sentAt.toEpochMilli(), arrived.sentAtMs)
        assertTrue(arrived.receivedAtMs >= arrived.sentAtMs)
    }

    @Test
    fun `a message push for a ticket the phone has not synced yet still notifies, and opens the ticket`() {
        push(
            mapOf(
                "type" to "message",
                "push_id" to "m1",
                "ticket_id" to ticketId,
                "ticket_number" to "7",
                "message_id" to UUID.randomUUID().toString(),
            )
        )
        val n = assertNotNull(shadowOf(manager).getNotification(ticketId, MessageNotifier.ID))
        assertEquals("New message", n.extras.getCharSequence(android.app.Notification.EXTRA_TEXT).toString())
        val open = shadowOf(n.contentIntent).savedIntent
        assertEquals(DeepLinks.MAIN_ACTIVITY, open.component?.className)
        assertEquals(ticketId, DeepLinks.ticketId(open))
    }

    @Test
    fun `a push while the app's data cannot be opened is dropped, not a crash`() {
        val broken = kotlinx.coroutines.CompletableDeferred<support.customerservice.client.CustomerServiceCore>()
        broken.completeExceptionally(support.customerservice.core.CoreException.Storage("disk full"))
        val dispatcher =
            support.customerservice.android.push.PushDispatcher(
                broken,
                support.customerservice.client.push.PushHandler(),
                services.ringer,
                services.messages,
                services.pushDevice,
            )
        val decision = runBlocking { dispatcher.onPush(incomingCall("p1")) }
        assertIs<PushDecision.Ignore>(decision)
        assertNull(callNotification())
    }
}
