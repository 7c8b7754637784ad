package support.customerservice.ui

import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import kotlin.math.abs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.CustomerServiceApp

/** A call from staff to a customer, answered in the customer's app. */
class CallFlowTest : ScreensTest() {

    @Test
    fun `staff call a customer who accepts in the app, both hear the other, and the call is on the timeline`() {
        val customer = openCore("carla")
        val agent = openCore("bea")
        val ticket = runBlocking {
            customer.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            customer.refreshDepartments()
            agent.signIn(staff("Bea Billing"), TestServer.PASSWORD)
            customer.createTicket(billing, "No sound on calls", "Please call me.").id
        }
        runBlocking {
            for (core in listOf(customer, agent)) {
                withTimeoutOrNull(20.seconds) { core.syncStateFlow().first { it == SyncState.LIVE } }
                    ?: error("not live")
            }
            withTimeoutOrNull(20.seconds) { agent.ticketsFlow().first { list -> list.any { it.id == ticket } } }
                ?: error("no ticket")
        }
        val phone = TestAudio(660.0)
        val headset = TestAudio(440.0)
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(customer, audio = phone), dark = false) }
            openTicket(ticket)
            waitForText("Please call me.")

            runBlocking { agent.placeCall(ticket, headset.device()) }
            waitForTag("accept")
            waitFor("the caller", hasTestTag("call-peer") and hasText("Bea Billing"))
            waitForText("No sound on calls")
            screenshot("flows/4-incoming-call-phone")
            onNodeWithTag("accept").performClick()

            waitFor("connected", hasTestTag("call-phase") and hasText("Connected"))
            waitFor("the timer past a second", hasTestTag("call-timer") and hasText("0:02"), 15_000)
            waitUntil("each side hears the other's tone", 15_000) {
                near(phone.heard.report().dominantHz, 440.0) && near(headset.heard.report().dominantHz, 660.0)
            }
            screenshot("flows/4-in-call-phone")
            onNodeWithTag("hang-up").performClick()
            waitFor("the outcome", hasTestTag("call-phase") and hasText("Call ended"))
            screenshot("flows/4-call-ended-phone")

            // Then back to the ticket, whose timeline has the call.
            waitForText("Please call me.", 10_000)
            waitForText("call: ")
            screenshot("flows/4-ticket-after-call-phone")
        }
        val timeline = customer.client.ticketDetail(ticket)!!.timeline.map { it.description }
        assertTrue(timeline.any { it.startsWith("call: ") }, "the call is logged: $timeline")
    }

    private fun near(hz: Double?, target: Double) = hz != null && abs(hz - target) < 5.0
}
