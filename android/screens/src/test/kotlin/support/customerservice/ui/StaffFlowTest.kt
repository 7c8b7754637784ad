package support.customerservice.ui

import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.core.CallPhase
import support.customerservice.core.Priority
import support.customerservice.core.StaffStatus
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.CustomerServiceApp

/** Staff flows through the whole app, with customers and colleagues on their own cores. */
class StaffFlowTest : ScreensTest() {

    private fun customerWithTicket(
        subject: String,
        body: String,
    ): Pair<support.customerservice.client.CustomerServiceCore, String> {
        val customer = openCore("carla")
        val ticket = runBlocking {
            customer.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            customer.refreshDepartments()
            customer.createTicket(billing, subject, body).id
        }
        runBlocking {
            withTimeoutOrNull(20.seconds) {
                customer.ticketsFlow().first { list -> list.any { it.id == ticket && it.number != null } }
            } ?: error("the ticket was not sent")
        }
        return customer to ticket
    }

    @Test
    fun `active staff assign a ticket to themselves, set its priority, reply and add a note the customer never sees`() {
        val bea = staff("Bea Billing")
        // Bill is Active when the ticket comes in: routing gives it to him.
        val billCore = openCore("bill")
        runBlocking {
            billCore.signIn(staff("Bill Billing"), TestServer.PASSWORD)
            billCore.setStatus(StaffStatus.ACTIVE)
        }
        val (customer, ticket) = customerWithTicket("Refund please", "I was charged twice.")
        val core = openCore("bea")
        runBlocking { core.signIn(bea, TestServer.PASSWORD) }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(core), dark = false) }
            waitForTag("ticket-$ticket")
            // Staff start Off: the switch makes Bea Active for new chats and calls.
            waitForText("Off")
            onNodeWithTag("status-switch").performClick()
            waitFor("Active", hasTestTag("my-status") and hasText("Active"))
            waitFor(
                "Bill's ticket in the queue",
                hasTestTag("ticket-$ticket") and hasText("→ Bill Billing", substring = true),
            )
            waitFor("the counts", hasTestTag("assignee-anyone") and hasText("Anyone 1"))
            screenshot("flows/2-queue-phone")

            onNodeWithTag("ticket-$ticket").performClick()
            waitForText("I was charged twice.")
            onNodeWithTag("assignee-picker").performClick()
            onNodeWithText("Assign to me").performClick()
            waitForNo("the assignee menu", hasText("Assign to me"))
            waitFor("Bea assigned", hasTestTag("assignee-picker") and hasText("Bea Billing", substring = true))
            onNodeWithTag("priority-picker").performClick()
            onNodeWithText("High").performClick()
            waitFor("priority high", hasTestTag("priority-picker") and hasText("High", substring = true))

            onNodeWithTag("composer").performTextInput("Refund on its way.")
            onNodeWithTag("send").performClick()
            waitForText("Refund on its way.")
            onNodeWithTag("mode-note").performClick()
            onNodeWithTag("composer").performTextInput("Approved by finance")
            onNodeWithTag("send").performClick()
            waitForText("Approved by finance")
            waitFor("the note marked internal", hasText("Internal note", substring = true))
            waitForNo("pending marks", hasTestTag("pending"))
            waitForText("priority: normal → high")
            screenshot("flows/2-ticket-staff-phone")
        }
        // At a desk: the queue and the ticket side by side.
        runScreenTest(Device.TABLET) {
            setContent { CustomerServiceApp(graph(core), dark = false) }
            openTicket(ticket)
            waitForText("Approved by finance")
            onNodeWithTag("status-switch").assertExists()
            screenshot("flows/2-staff-tablet")
        }

        // The customer's own screen: the reply, the new state, never the note.
        runBlocking {
            withTimeoutOrNull(20.seconds) {
                customer.ticketFlow(ticket).first { d ->
                    d.messages.any { it.body == "Refund on its way." } && d.ticket.priority == Priority.HIGH
                }
            } ?: error("the reply did not reach the customer")
        }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(customer), dark = false) }
            openTicket(ticket)
            waitForText("Refund on its way.")
            waitForText("Handled by Bea Billing")
            assertEquals(0, countText("Approved by finance"), "the internal note is not shown to the customer")
            screenshot("flows/2-ticket-customer-phone")
        }
        assertFalse(
            customer.client.ticketDetail(ticket)!!.messages.any { it.internal || it.body == "Approved by finance" }
        )
        assertTrue(
            server.messageBodies(ticket, server.login(bea)).contains("Approved by finance"),
            "staff see the note on the server",
        )
    }

    @Test
    fun `staff switching Off shows on a colleague's screen, and a customer's call rings only the Active staff`() {
        val bea = staff("Bea Billing")
        val bill = staff("Bill Billing")
        val (customer, ticket) = customerWithTicket("Call me please", "About my bill.")
        val beaCore = openCore("bea")
        val billCore = openCore("bill")
        runBlocking {
            beaCore.signIn(bea, TestServer.PASSWORD)
            billCore.signIn(bill, TestServer.PASSWORD)
            beaCore.setStatus(StaffStatus.ACTIVE)
            billCore.setStatus(StaffStatus.ACTIVE)
        }
        // Bea switches herself Off in her app.
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(beaCore), dark = false) }
            waitFor("Active", hasTestTag("my-status") and hasText("Active"))
            onNodeWithTag("status-switch").performClick()
            waitFor("Off", hasTestTag("my-status") and hasText("Off"))
        }
        // Bill's screen shows her Off, and Active again when she switches back.
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(billCore), dark = false) }
            waitForTag("ticket-$ticket")
            onNodeWithTag("colleagues").performClick()
            waitForText("Bea Billing · Off")
            screenshot("flows/3-colleague-off-phone")
            runBlocking { beaCore.setStatus(StaffStatus.OFF) }
        }

        // The customer calls support from the ticket: Bill (Active) rings, Bea (Off) does not.
        runBlocking {
            listOf(customer, billCore).forEach { core ->
                withTimeoutOrNull(20.seconds) { core.syncStateFlow().first { it == SyncState.LIVE } }
                    ?: error("not live")
            }
        }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(customer), dark = false) }
            openTicket(ticket)
            waitForText("About my bill.")
            onNodeWithTag("call").performClick()
            waitForText("Ringing…")
            screenshot("flows/3-customer-calling-phone")
            runBlocking {
                val ringing =
                    withTimeoutOrNull(20.seconds) {
                        billCore.callsFlow().first { calls -> calls.any { it.phase == CallPhase.Ringing } }
                    }
                assertTrue(ringing != null, "Bill, Active, is rung")
                delay(1_000)
                assertTrue(beaCore.client.calls().none { it.phase == CallPhase.Ringing }, "Bea, Off, is not rung")
            }
            onNodeWithTag("hang-up").performClick()
            waitForText("Cancelled")
        }
    }
}
