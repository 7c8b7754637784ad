package support.customerservice.ui

import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.CustomerServiceApp

/** A supervisor writes a canned reply in the app; an agent inserts it, filled in, edits it and sends it. */
class CannedRepliesFlowTest : ScreensTest() {

    @Test
    fun `a supervisor writes a canned reply and an agent sends it filled in for the customer`() {
        val customer = openCore("carla")
        val ticket = runBlocking {
            customer.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            customer.refreshDepartments()
            val id = customer.createTicket(billing, "Refund please", "I was charged twice.").id
            withTimeoutOrNull(20.seconds) {
                customer.ticketsFlow().first { list -> list.any { it.id == id && it.number != null } }
            } ?: error("the ticket was not sent")
            id
        }
        val sue = openCore("sue")
        runBlocking { sue.signIn(staff("Sue Supervisor", role = "supervisor"), TestServer.PASSWORD) }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(sue), dark = false) }
            waitForTag("ticket-$ticket")
            onNodeWithTag("more").performClick()
            onNodeWithTag("canned-replies").performClick()
            waitForText("No canned replies yet")
            screenshot("flows/7-canned-empty-phone")
            onNodeWithTag("canned-new").performClick()
            onNodeWithTag("draft-title").performTextInput("Refund issued")
            onNodeWithTag("draft-body").performTextInput("Hi ")
            onNodeWithTag("insert-customer_name").performClick()
            onNodeWithTag("draft-body").performTextInput(", ticket #")
            onNodeWithTag("insert-ticket_number").performClick()
            onNodeWithTag("draft-body").performTextInput(" is refunded. ")
            onNodeWithTag("insert-agent_name").performClick()
            waitFor(
                "the placeholders in the body",
                hasTestTag("draft-body") and hasText("{customer_name}", substring = true),
            )
            screenshot("flows/7-canned-editor-phone")
            onNodeWithTag("draft-save").performClick()
            waitForTag("row-Refund issued")
            onNodeWithTag("canned-new").performClick()
            onNodeWithTag("draft-title").performTextInput("Goodbye")
            onNodeWithTag("draft-body").performTextInput("Glad we could help. Goodbye!")
            onNodeWithTag("draft-save").performClick()
            waitForTag("row-Goodbye")
            onNodeWithTag("delete-Goodbye").performClick()
            waitForTag("confirm-delete")
            screenshot("flows/7-canned-list-phone")
            onNodeWithTag("confirm-delete").performClick()
            waitForNo("Goodbye deleted", hasTestTag("row-Goodbye"))
        }

        val bea = openCore("bea")
        runBlocking { bea.signIn(staff("Bea Billing"), TestServer.PASSWORD) }
        val number = runBlocking { customer.ticket(ticket)!!.number }
        val filled = "Sorry for the wait.\n\nHi Carla Customer, ticket #$number is refunded. Bea Billing"
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(bea), dark = false) }
            openTicket(ticket)
            waitForText("I was charged twice.")
            onNodeWithTag("composer").performTextInput("Sorry for the wait.")
            onNodeWithTag("canned-open").performClick()
            waitForTag("canned-Refund issued")
            onNodeWithTag("canned-search").performTextInput("refund")
            screenshot("flows/7-canned-picker-phone")
            onNodeWithTag("canned-Refund issued").performClick()
            waitForNo("the picker closed", hasTestTag("canned-picker"))
            waitFor("the reply in the composer", hasTestTag("composer") and hasText(filled))
            screenshot("flows/7-canned-inserted-phone")
            onNodeWithTag("send").performClick()
            waitForNo("pending marks", hasTestTag("pending"))
        }
        val bodies = server.messageBodies(ticket, server.login("carla@example.com"))
        assertEquals(filled, bodies.last())
    }
}
