package support.customerservice.client

import java.util.concurrent.atomic.AtomicInteger
import kotlin.math.PI
import kotlin.math.abs
import kotlin.math.cos
import kotlin.math.sin
import kotlin.math.sqrt
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import support.customerservice.core.AudioDevice
import support.customerservice.core.CallDirection
import support.customerservice.core.CallPhase
import support.customerservice.core.audioAnalyser
import support.customerservice.core.combinedDevice
import support.customerservice.core.toneSource
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/**
 * A call between two cores from Kotlin: the customer's audio is a Kotlin [AudioDevice] (as the app's
 * AudioRecord/AudioTrack one will be), the agent's a built-in tone with the core's analyser. Each hears the other's
 * tone.
 */
class CallTest : ServerTest() {

    /** Sends a 660 Hz tone and keeps the last frame it was given to play. */
    private class KotlinToneDevice(private val hz: Double) : AudioDevice {
        private var phase = 0.0
        val played = AtomicInteger()
        @Volatile var lastFrame: List<Short> = emptyList()

        override fun captureFrame(): List<Short> =
            List(960) {
                phase += 2 * PI * hz / 48_000
                (sin(phase) * 0.3 * Short.MAX_VALUE).toInt().toShort()
            }

        override fun playFrame(pcm: List<Short>) {
            lastFrame = pcm
            played.incrementAndGet()
        }

        /** Goertzel power of [freq] in the last frame, relative to its energy. */
        fun share(freq: Double): Double {
            val frame = lastFrame.map { it.toDouble() }
            if (frame.isEmpty()) return 0.0
            val k = 2 * cos(2 * PI * freq / 48_000)
            var (s1, s2) = 0.0 to 0.0
            for (x in frame) {
                val s = x + k * s1 - s2
                s2 = s1
                s1 = s
            }
            val power = s1 * s1 + s2 * s2 - k * s1 * s2
            val energy = frame.sumOf { it * it } * frame.size / 2
            return if (energy == 0.0) 0.0 else sqrt(power / energy)
        }
    }

    @Test
    fun `staff call a customer whose audio device is Kotlin, and both hear the other's tone`() = coreTest {
        val department = server.createDepartment("Support")
        server.createStaff("bea@staff.example", "Bea", department)
        openCore().use { customer ->
            CustomerServiceCore.open(server.url, appDir.resolve("agent").toString(), InMemoryTokenStore()).use { agent
                ->
                customer.register("ann@x.example", TestServer.PASSWORD, "Ann")
                customer.refreshDepartments()
                val ticket = customer.createTicket(department, "No sound", "Please call me")
                agent.signIn("bea@staff.example", TestServer.PASSWORD)
                for (core in listOf(customer, agent)) {
                    core.client.configureCallMedia(listOf("127.0.0.1:0"), false)
                }
                val customerCalls = customer.callsFlow().probe()
                val tickets = customer.ticketsFlow().probe()
                tickets.awaitMatching("the ticket sent") { list ->
                    list.any { it.id == ticket.id && it.number != null }
                }
                val agentLive = agent.syncStateFlow().probe()
                agentLive.awaitMatching("the agent live") { it == support.customerservice.core.SyncState.LIVE }

                val heard = audioAnalyser()
                val placed =
                    agent.placeCall(ticket.id, combinedDevice(toneSource(440.0, 0.3), listOf(heard.asDevice())))
                val ringing =
                    customerCalls
                        .awaitMatching("the customer's phone rings") { calls ->
                            calls.any { it.id == placed.id && it.phase == CallPhase.Ringing }
                        }
                        .single()
                assertEquals(CallDirection.INCOMING, ringing.direction)
                assertEquals("Bea", ringing.callerName)

                val phone = KotlinToneDevice(660.0)
                customer.acceptCall(placed.id, phone)
                customerCalls.awaitMatching("connected") { calls -> calls.any { it.phase == CallPhase.Connected } }
                val deadline = System.nanoTime() + 15_000_000_000
                while (phone.share(440.0) < 0.5 || abs((heard.report().dominantHz ?: 0.0) - 660.0) > 5.0) {
                    assertTrue(
                        System.nanoTime() < deadline,
                        "tones not heard: ${phone.share(440.0)}, ${heard.report()}",
                    )
                    Thread.sleep(50)
                }
                assertTrue(phone.played.get() > 0)
                agent.hangUp(placed.id)
                customerCalls.awaitMatching("ended") { calls ->
                    calls.any { it.id == placed.id && it.phase == CallPhase.Ended("ended") }
                }
            }
        }
    }
}
