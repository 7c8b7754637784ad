package support.customerservice.ui

import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import support.customerservice.client.all
import support.customerservice.client.push.PushDecision
import support.customerservice.client.push.PushDevice
import support.customerservice.client.push.PushSelfTest
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketFilter
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.AppGraph
import support.customerservice.ui.app.CustomerServiceApp

/** A customer's flows through the whole app, against the real core and server. */
class CustomerFlowTest : ScreensTest() {

    @Test
    fun `a customer registers, opens a ticket with an attachment and sees it in My tickets`() {
        val core = openCore("carla")
        val picker = TestPicker(listOf(png("receipt.png")))
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(core, picker = picker), dark = false) }
            onNodeWithText("New here? Create an account").performClick()
            onNodeWithTag("name").performTextInput("Carla Customer")
            onNodeWithTag("email").performTextInput("carla@example.com")
            onNodeWithTag("password").performTextInput(TestServer.PASSWORD)
            screenshot("flows/1-register-phone")
            onNodeWithTag("submit").performClick()

            waitForText("No tickets yet")
            screenshot("flows/1-my-tickets-empty-phone")
            onNodeWithTag("new-ticket").performClick()
            waitForTag("department-Billing")
            onNodeWithTag("department-Billing").performClick()
            onNodeWithTag("subject").performTextInput("Charged twice")
            onNodeWithTag("description").performTextInput("Two charges of 29.90 on my statement.")
            onNodeWithTag("add-attachment").performClick()
            waitForTag("attachment-receipt.png")
            screenshot("flows/1-new-ticket-phone")
            onNodeWithTag("submit-ticket").performClick()

            // Opened: the conversation shows the description and the attachment, sent.
            waitForTag("open-receipt.png")
            waitForText("Two charges of 29.90")
            waitForNo("pending marks", hasTestTag("pending"))
            screenshot("flows/1-ticket-phone")
            onNodeWithTag("back").performClick()
            waitFor(
                "the ticket numbered in the list",
                hasText("Charged twice", substring = true) and hasText("#", substring = true),
            )
            waitForNo("pending marks", hasTestTag("pending"))
            screenshot("flows/1-my-tickets-phone")
        }
        val ticket = core.client.tickets(TicketFilter.all(), 10u).single()
        assertEquals("Charged twice", ticket.subject)
        val token = server.login("carla@example.com")
        val messages = server.call("GET", "/v1/tickets/${ticket.id}/messages", token).toString()
        assertTrue("receipt.png" in messages, "the attachment reached the server: $messages")
    }

    @Test
    fun `offline, two messages wait as pending and are sent once when the server returns`() {
        val core = openCore("carla")
        runBlocking {
            core.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            core.refreshDepartments()
        }
        val ticket = runBlocking { core.createTicket(billing, "Card declined", "At the checkout.") }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(core), dark = false) }
            openTicket(ticket.id)
            waitForText("At the checkout.")
            waitUntil("the ticket sent", UI_WAIT_MS) {
                core.syncState == SyncState.LIVE && runBlocking { core.pendingCount() } == 0L
            }

            server.stop()
            waitForText("Offline: showing saved data")
            for (text in listOf("Is anyone there?", "It still fails.")) {
                onNodeWithTag("composer").performTextInput(text)
                onNodeWithTag("send").performClick()
                waitForText(text)
            }
            waitUntil("two pending messages", UI_WAIT_MS) {
                onAllNodes(hasTestTag("pending"), true).fetchSemanticsNodes().size == 2
            }
            screenshot("flows/5-offline-pending-phone")

            server.start()
            core.reconnectNow()
            waitForNo("pending marks", hasTestTag("pending"), 30_000)
            waitForNo("the offline banner", hasTestTag("connection-banner"))
            screenshot("flows/5-sent-phone")
        }
        val detail = core.client.ticketDetail(ticket.id)!!
        assertTrue(detail.messages.all { it.sendState == SendState.Sent })
        val bodies = server.messageBodies(ticket.id, server.login("carla@example.com"))
        assertEquals(
            listOf("At the checkout.", "Is anyone there?", "It still fails."),
            bodies,
            "each message once, in order",
        )
    }

    @Test
    fun `at tablet width the list and the open ticket show side by side`() {
        val core = openCore("carla")
        runBlocking {
            core.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            core.refreshDepartments()
        }
        val first = runBlocking { core.createTicket(billing, "Refund please", "I was charged twice.") }
        val second = runBlocking { core.createTicket(tech, "App crashes", "When I open settings.") }
        runScreenTest(Device.TABLET) {
            setContent { CustomerServiceApp(graph(core), dark = false) }
            waitForTag("list-detail")
            waitForText("Select a ticket")
            onNodeWithTag("ticket-${first.id}").performClick()
            waitForText("I was charged twice.")
            // Both panes at once: the list still shows the other ticket.
            onNodeWithTag("ticket-${second.id}").assertIsDisplayed()
            screenshot("flows/6-list-detail-tablet")
            onNodeWithTag("ticket-${second.id}").performClick()
            waitForText("When I open settings.")
            onNodeWithTag("ticket-${first.id}").assertIsDisplayed()
        }
    }

    /** A phone whose notifications are allowed and whose FCM token is fixed; test pushes never come. */
    private class QuietPhone : PushDevice {
        override val testPushes = MutableSharedFlow<PushDecision.TestArrived>()

        override fun notificationsAllowed() = true

        override suspend fun token() = "fcm-token-of-this-phone"
    }

    @Test
    fun `a notification tapped opens its ticket, and Check notifications says the server has push off`() {
        val core = openCore("carla")
        runBlocking {
            core.register("carla@example.com", TestServer.PASSWORD, "Carla Customer")
            core.refreshDepartments()
        }
        val ticket = runBlocking { core.createTicket(billing, "Refund please", "I was charged twice.") }
        val deepLinks = MutableSharedFlow<String>(replay = 1)
        val graph = graph(core).copyWith(pushCheck = PushSelfTest(QuietPhone(), core))
        // The system back, as Android's BackHandler would take it.
        var back: Pair<Boolean, () -> Unit>? = null
        runScreenTest(Device.PHONE) {
            setContent {
                CustomerServiceApp(
                    graph,
                    dark = false,
                    openTicket = deepLinks,
                    backHandler = { on, go -> back = on to go },
                )
            }
            waitForText("Refund please")
            assertEquals(false, back?.first, "nothing to go back to on the home list")
            deepLinks.tryEmit(ticket.id)
            waitForText("I was charged twice.")
            val (enabled, goBack) = back!!
            assertEquals(true, enabled)
            goBack()
            waitForTag("more")
            screenshot("flows/7-home-with-check-notifications-phone")

            onNodeWithTag("more").performClick()
            waitForTag("push-check")
            onNodeWithTag("push-check").performClick()
            // The test server has no FCM credentials: the check stops at the server, after registering the token.
            waitFor(
                "the server step failed",
                hasTestTag("push-check-summary") and hasText("Push notifications are off on this server."),
            )
            screenshot("flows/7-check-notifications-phone")
        }
    }
}

/** The staff home's top bar, the fullest one, with the notifications check in it. */
class StaffTopBarTest : ScreensTest() {
    @Test
    fun `the staff queue's top bar keeps its title and every action at phone width`() {
        val core = openCore("bea")
        runBlocking { core.signIn(staff("Bea Billing"), TestServer.PASSWORD) }
        val graph =
            graph(core).let {
                AppGraph(it.core, it.serverUrl, it.picker, it.opener, it.audio, it.presenterContext, pushCheckFor(core))
            }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph, dark = true) }
            waitForText("Queue")
            for (tag in listOf("refresh", "outbox-button", "more")) {
                onNodeWithTag(tag).assertIsDisplayed()
            }
            screenshot("flows/7-staff-home-with-check-notifications-phone-dark")
            // The check and sign-out wait in the menu, so the title keeps its room.
            onNodeWithTag("more").performClick()
            for (tag in listOf("push-check", "sign-out")) waitForTag(tag)
            screenshot("flows/7-staff-home-menu-phone-dark")
        }
    }

    private fun pushCheckFor(core: support.customerservice.client.CustomerServiceCore) =
        PushSelfTest(
            object : PushDevice {
                override val testPushes = MutableSharedFlow<PushDecision.TestArrived>()

                override fun notificationsAllowed() = true

                override suspend fun token() = "token"
            },
            core,
        )
}

private fun AppGraph.copyWith(pushCheck: PushSelfTest) =
    AppGraph(core, serverUrl, picker, opener, audio, presenterContext, pushCheck)

private fun androidx.compose.ui.test.SemanticsNodeInteraction.assertIsDisplayed() = assertExists()
