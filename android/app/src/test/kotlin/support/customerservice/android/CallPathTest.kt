package support.customerservice.android

import android.app.Notification
import android.app.NotificationManager
import android.os.Looper
import kotlin.io.path.createTempDirectory
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import support.customerservice.android.calls.CallForegroundService
import support.customerservice.android.calls.CallIntents
import support.customerservice.android.calls.FullScreenIntentAccess
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.InMemoryTokenStore
import support.customerservice.core.CallPhase
import support.customerservice.core.SyncState
import support.customerservice.core.toneSource
import support.customerservice.testing.TestServer

/**
 * A call from support to a customer whose app runs in the background: the socket announces it, the phone rings (no push
 * needed), Accept answers through the core and starts the microphone's foreground service, and hanging up on the other
 * side lets the service, the audio focus and the microphone go.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class CallPathTest {
    private lateinit var server: TestServer
    private lateinit var services: AppServices
    private lateinit var agent: CustomerServiceCore
    private val app = RuntimeEnvironment.getApplication() as TestApplication
    private val manager = app.getSystemService(NotificationManager::class.java)
    private val audio = mutableListOf<SilentAudio>()

    @Before
    fun start() {
        server = TestServer("CallPathTest").start()
        services = app.startServices(server.url) { SilentAudio().also { audio += it } }
        agent = CustomerServiceCore.open(server.url, createTempDirectory("agent").toString(), InMemoryTokenStore())
    }

    @After
    fun stop() {
        agent.close()
        runBlocking { services.core.await().close() }
        server.close()
    }

    private fun <T : Any> eventually(what: String, timeoutMs: Long = 20_000, probe: () -> T?): T {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            probe()?.let {
                return it
            }
            check(System.currentTimeMillis() < deadline) { "timed out waiting for $what" }
            Thread.sleep(20)
        }
    }

    @Test
    fun `a call announced on the socket rings, is answered from the notification, and ends cleanly`() {
        val department = server.createDepartment("Billing")
        server.createStaff("bea@staff.example", "Bea Billing", department)
        val customer = runBlocking { services.core.await() }
        val ticket = runBlocking {
            customer.register("carla@example.com", TestServer.PASSWORD, "Carla")
            agent.signIn("bea@staff.example", TestServer.PASSWORD)
            customer.createTicket(department, "No sound on calls", "Please call me.").id
        }
        runBlocking {
            withTimeout(20_000) {
                for (core in listOf(customer, agent)) core.syncStateFlow().first { it == SyncState.LIVE }
                agent.ticketsFlow().first { list -> list.any { it.id == ticket } }
            }
        }

        val call = runBlocking { agent.placeCall(ticket, toneSource(440.0, 0.3)) }
        val ringing =
            eventually("the phone ringing") {
                shadowOf(manager).allNotifications.firstOrNull { it.category == Notification.CATEGORY_CALL }
            }
        assertEquals("Bea Billing", ringing.extras.getCharSequence(Notification.EXTRA_TITLE).toString())
        // Robolectric's NotificationManager, like Android 14+ before the user allows it, denies full-screen intents:
        // the call rings as a heads-up notification.
        assertEquals(FullScreenIntentAccess.granted(app), ringing.fullScreenIntent != null)

        // Accept, as IncomingCallActivity does for the notification's Answer.
        val answered = runBlocking { services.calls.answer(call.id) }
        assertTrue(answered.phase !is CallPhase.Ended, "${answered.phase}")
        assertTrue(
            shadowOf(manager).allNotifications.none { it.category == Notification.CATEGORY_CALL },
            "stopped ringing",
        )
        val started = assertNotNull(shadowOf(app).nextStartedService, "the foreground service was started")
        assertEquals(CallForegroundService::class.java.name, started.component?.className)
        assertEquals(call.id, started.getStringExtra(CallIntents.EXTRA_CALL_ID))

        val controller = Robolectric.buildService(CallForegroundService::class.java, started).create()
        val service = controller.startCommand(0, 1).get()
        val ongoing = assertNotNull(shadowOf(service).lastForegroundNotification)
        assertEquals(Notification.CATEGORY_CALL, ongoing.category)
        assertEquals(1, audio.size)

        runBlocking { agent.hangUp(call.id) }
        eventually("the service stopped after the far end hung up") { shadowOf(service).isStoppedBySelf.takeIf { it } }
        assertTrue(audio.single().closed, "the microphone and speaker were released")
        controller.destroy()
    }
}
