package support.customerservice.ui

import androidx.compose.foundation.layout.padding
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasText
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import support.customerservice.ui.call.CallScreen
import support.customerservice.ui.canned.CannedRepliesScreen
import support.customerservice.ui.conversation.TicketScreen
import support.customerservice.ui.conversation.ticketTitle
import support.customerservice.ui.newticket.NewTicketScreen
import support.customerservice.ui.outbox.OutboxScreen
import support.customerservice.ui.preview.Fixtures
import support.customerservice.ui.report.ReportScreen
import support.customerservice.ui.settings.PushCheckScreen
import support.customerservice.ui.signin.SignInScreen
import support.customerservice.ui.staff.StaffStatusActions
import support.customerservice.ui.theme.CustomerServiceTheme
import support.customerservice.ui.tickets.TicketListPane

/**
 * Every screen in every state of [Fixtures], at phone and tablet size, light and dark: each one is written to
 * target/screenshots/states/ and must not be blank or cut off; a line of text of each state is checked on screen.
 */
class ScreenStatesTest {

    private class State(val name: String, val expect: String, val content: @Composable () -> Unit)

    @OptIn(ExperimentalMaterial3Api::class)
    @Composable
    private fun Frame(title: String, staff: Boolean = false, content: @Composable (Modifier) -> Unit) {
        Scaffold(
            topBar = {
                TopAppBar(
                    title = { Text(title) },
                    actions = { if (staff) StaffStatusActions(Fixtures.staffStatus, {}) },
                )
            }
        ) { padding ->
            content(Modifier.padding(padding))
        }
    }

    private val states =
        listOf(
            State("sign-in", "Sign in to continue") { SignInScreen(Fixtures.signInFilled, {}) },
            State("sign-in-busy", "Sign in to continue") { SignInScreen(Fixtures.signInBusy, {}) },
            State("sign-in-error", "Wrong email or password.") { SignInScreen(Fixtures.signInError, {}) },
            State("sign-in-unreachable", "Can't reach the server") { SignInScreen(Fixtures.signInUnreachable, {}) },
            State("register-invalid", "Enter your name") { SignInScreen(Fixtures.register, {}) },
            State("my-tickets-loading", "My tickets") {
                Frame("My tickets") { TicketListPane(Fixtures.myTicketsLoading, {}, {}, it) }
            },
            State("my-tickets-empty", "No tickets yet") {
                Frame("My tickets") { TicketListPane(Fixtures.myTicketsEmpty, {}, {}, it) }
            },
            State("my-tickets", "Refund for a double charge") {
                Frame("My tickets") { TicketListPane(Fixtures.myTickets, {}, {}, it) }
            },
            State("my-tickets-offline", "Offline: showing saved data") {
                Frame("My tickets") { TicketListPane(Fixtures.myTicketsOffline, {}, {}, it) }
            },
            State("my-tickets-error", "Couldn't refresh") {
                Frame("My tickets") { TicketListPane(Fixtures.myTicketsError, {}, {}, it) }
            },
            State("queue", "Invoice address is wrong") {
                Frame("Queue", staff = true) { TicketListPane(Fixtures.queue, {}, {}, it) }
            },
            State("queue-loading", "Queue") {
                Frame("Queue", staff = true) { TicketListPane(Fixtures.queueLoading, {}, {}, it) }
            },
            State("queue-empty", "The queue is empty") {
                Frame("Queue", staff = true) { TicketListPane(Fixtures.queueEmpty, {}, {}, it) }
            },
            State("queue-no-match", "No tickets match") {
                Frame("Queue", staff = true) { TicketListPane(Fixtures.queueNoMatch, {}, {}, it) }
            },
            State("queue-offline", "Offline: showing saved data") {
                Frame("Queue", staff = true) { TicketListPane(Fixtures.queueOffline, {}, {}, it) }
            },
            State("new-ticket", "Technical support") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicket, {}, it) }
            },
            State("new-ticket-loading", "Department") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicketLoading, {}, it) }
            },
            State("new-ticket-filled", "screenshot.png · 482 KB") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicketFilled, {}, it) }
            },
            State("new-ticket-uploading", "screenshot.png · 482 KB") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicketUploading, {}, it) }
            },
            State("new-ticket-invalid", "Choose a department") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicketInvalid, {}, it) }
            },
            State("new-ticket-error", "Couldn't upload the attachments") {
                Frame("New ticket") { NewTicketScreen(Fixtures.newTicketError, {}, it) }
            },
            State("new-ticket-for-customer", "Ann Lee · ann.lee@example.com") {
                Frame("New ticket for a customer", staff = true) {
                    NewTicketScreen(Fixtures.newTicketForCustomer, {}, it)
                }
            },
            State("new-ticket-for-unknown", "Invite and open ticket") {
                Frame("New ticket for a customer", staff = true) {
                    NewTicketScreen(Fixtures.newTicketForUnknown, {}, it)
                }
            },
            State("new-ticket-pass-on-link", "Ticket opened for Cara Diaz") {
                Frame("New ticket for a customer", staff = true) {
                    NewTicketScreen(Fixtures.newTicketPassOnLink, {}, it)
                }
            },
            State("ticket-customer", "Great, thank you!") {
                Frame(ticketTitle(Fixtures.customerTicket)) { TicketScreen(Fixtures.customerTicket, {}, it) }
            },
            State("ticket-customer-rating", "How did we do?") {
                Frame(ticketTitle(Fixtures.customerTicketRating)) {
                    TicketScreen(Fixtures.customerTicketRating, {}, it)
                }
            },
            State("ticket-staff-rated", "rated the support 4/5") {
                Frame(ticketTitle(Fixtures.staffTicketRated), staff = true) {
                    TicketScreen(Fixtures.staffTicketRated, {}, it)
                }
            },
            State("ticket-staff", "Internal note · ") {
                Frame(ticketTitle(Fixtures.staffTicket), staff = true) { TicketScreen(Fixtures.staffTicket, {}, it) }
            },
            State("ticket-staff-note", "Refund approved by Sam") {
                Frame(ticketTitle(Fixtures.staffTicketNote), staff = true) {
                    TicketScreen(Fixtures.staffTicketNote, {}, it)
                }
            },
            State("ticket-staff-canned", "Refund needs a receipt") {
                Frame(ticketTitle(Fixtures.staffTicketCanned), staff = true) {
                    TicketScreen(Fixtures.staffTicketCanned, {}, it)
                }
            },
            State("ticket-staff-canned-none", "No canned reply's title contains") {
                Frame(ticketTitle(Fixtures.staffTicketCannedNone), staff = true) {
                    TicketScreen(Fixtures.staffTicketCannedNone, {}, it)
                }
            },
            State("canned", "Refund issued") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedList, {}, it) }
            },
            State("canned-admin", "Technical support") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedListAdmin, {}, it) }
            },
            State("canned-deleting", "for the whole team?") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedDeleting, {}, it) }
            },
            State("canned-empty", "No canned replies yet") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedEmpty, {}, it) }
            },
            State("canned-editor-refused", "unknown placeholder") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedEditorRefused, {}, it) }
            },
            State("canned-editor-admin", "New canned reply") {
                Frame("Canned replies") { CannedRepliesScreen(Fixtures.cannedEditorAdmin, {}, it) }
            },
            State("report-7-days", "First reply median") {
                Frame("Daily report · Billing") { ReportScreen(Fixtures.report7, {}, it) }
            },
            State("report-90-days", "Maximilian Featherstonehaugh-Smythe") {
                Frame("Daily report · Billing") { ReportScreen(Fixtures.report90, {}, it) }
            },
            State("report-loading", "7 days") {
                Frame("Daily report · Billing") { ReportScreen(Fixtures.reportLoading, {}, it) }
            },
            State("report-offline", "Offline — showing the report as of 09:12") {
                Frame("Daily report · Billing") { ReportScreen(Fixtures.reportOffline, {}, it) }
            },
            State("report-refused", "Only the department's supervisors and admins") {
                Frame("Daily report") { ReportScreen(Fixtures.reportRefused, {}, it) }
            },
            State("report-error", "none is saved on this device yet") {
                Frame("Daily report · Billing") { ReportScreen(Fixtures.reportError, {}, it) }
            },
            State("report-admin-exported", "Saved the CSV to /home/ada/Downloads") {
                Frame("Daily report · Technical support") { ReportScreen(Fixtures.reportAdminExported, {}, it) }
            },
            State("ticket-loading", "Ticket") { Frame("Ticket") { TicketScreen(Fixtures.ticketLoading, {}, it) } },
            State("ticket-error", "Ticket not available") {
                Frame("Ticket") { TicketScreen(Fixtures.ticketError, {}, it) }
            },
            State("ticket-offline", "Sending…") {
                Frame(ticketTitle(Fixtures.ticketOffline)) { TicketScreen(Fixtures.ticketOffline, {}, it) }
            },
            State("outbox", "Refused: ticket version conflict") {
                Frame("Outbox") { OutboxScreen(Fixtures.outbox, {}, it) }
            },
            State("outbox-loading", "Outbox") { Frame("Outbox") { OutboxScreen(Fixtures.outboxLoading, {}, it) } },
            State("outbox-error", "storage failed") { Frame("Outbox") { OutboxScreen(Fixtures.outboxError, {}, it) } },
            State("outbox-empty", "Everything is sent") {
                Frame("Outbox") { OutboxScreen(Fixtures.outboxEmpty, {}, it) }
            },
            State("call-incoming", "Incoming call") { CallScreen(Fixtures.callIncoming, {}) },
            State("call-outgoing", "Ringing…") { CallScreen(Fixtures.callOutgoing, {}) },
            State("call-connected", "1:23") { CallScreen(Fixtures.callConnected, {}) },
            State("call-muted", "Unmute") { CallScreen(Fixtures.callMuted, {}) },
            State("call-reconnecting", "Reconnecting…") { CallScreen(Fixtures.callReconnecting, {}) },
            State("call-ended", "Call ended") { CallScreen(Fixtures.callEnded, {}) },
            State("call-declined", "Declined") { CallScreen(Fixtures.callDeclined, {}) },
            State("push-check-running", "Checking…") {
                Frame("Check notifications") { PushCheckScreen(Fixtures.pushCheckRunning, {}, it) }
            },
            State("push-check-passed", "arrived 412 ms after asking") {
                Frame("Check notifications") { PushCheckScreen(Fixtures.pushCheckPassed, {}, it) }
            },
            State("push-check-fcm-failed", "no longer accepts this device's token") {
                Frame("Check notifications") { PushCheckScreen(Fixtures.pushCheckFcmFailed, {}, it) }
            },
            State("push-check-notifications-off", "Open settings") {
                Frame("Check notifications") {
                    PushCheckScreen(Fixtures.pushCheckNotificationsOff, {}, it, onOpenSettings = {})
                }
            },
        )

    @TestFactory
    fun `every screen state renders at phone and tablet size, light and dark`(): List<DynamicTest> =
        states.flatMap { state ->
            Device.entries.flatMap { device ->
                listOf(false, true).map { dark ->
                    val name = "${state.name}-${device.name.lowercase()}-${if (dark) "dark" else "light"}"
                    DynamicTest.dynamicTest(name) {
                        runScreenTest(device) {
                            setContent { CustomerServiceTheme(dark = dark) { state.content() } }
                            val shown = onAllNodesWithTextContaining(state.expect)
                            check(shown.isNotEmpty()) { "$name does not show \"${state.expect}\"" }
                            screenshot("states/$name")
                        }
                    }
                }
            }
        }

    private fun SkikoComposeUiTest.onAllNodesWithTextContaining(text: String) =
        onAllNodes(
                hasText(text, substring = true) or hasContentDescription(text, substring = true),
                useUnmergedTree = true,
            )
            .fetchSemanticsNodes()
}
