package support.customerservice.ui

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.CustomerServiceApp

/**
 * An agent opens a ticket in the app for a caller who has no account: the app invites them, shows the sign-in link to
 * pass on, and the link signs the caller in to their ticket.
 */
class TicketForCustomerFlowTest : ScreensTest() {

    @Test
    fun `an agent opens a ticket for a caller without an account and passes the sign-in link on`() {
        val bea = openCore("bea")
        runBlocking { bea.signIn(staff("Bea Billing"), TestServer.PASSWORD) }
        var link = ""
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(bea), dark = false) }
            waitForTag("new-ticket")
            onNodeWithTag("new-ticket").performClick()
            waitForText("New ticket for a customer")
            onNodeWithTag("customer-email").performTextInput("cara@example.com")
            onNodeWithTag("find-customer").performClick()
            waitFor(
                "the email unknown",
                hasTestTag("customer-lookup") and hasText("No account has this email", substring = true),
            )
            onNodeWithTag("customer-name").performTextInput("Cara Diaz")
            onNodeWithTag("subject").performTextInput("Router will not start")
            onNodeWithTag("description").performTextInput("Phoned in: the light stays red.")
            screenshot("flows/8-ticket-for-unknown-phone")
            onNodeWithTag("submit-ticket").performClick()
            waitForText("Ticket opened for Cara Diaz")
            link =
                onNodeWithTag("sign-in-link", useUnmergedTree = true)
                    .fetchSemanticsNode()
                    .config[SemanticsProperties.Text]
                    .joinToString()
            screenshot("flows/8-ticket-for-link-phone")
            onNodeWithTag("open-created-ticket").performClick()
            waitForText("Phoned in: the light stays red.")
            screenshot("flows/8-ticket-for-opened-phone")
        }
        assertTrue(link.startsWith("customerservice://sign-in?token="), link)

        val cara = openCore("cara")
        val tickets = runBlocking {
            assertEquals("Cara Diaz", cara.signInWithLink(link).name)
            withTimeoutOrNull(20.seconds) { cara.ticketsFlow().first { it.isNotEmpty() } }
        }
        assertEquals(listOf("Router will not start"), tickets?.map { it.subject })
    }
}
