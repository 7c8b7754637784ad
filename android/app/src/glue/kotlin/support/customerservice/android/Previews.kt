package support.customerservice.android

import android.content.res.Configuration
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.tooling.preview.Preview
import support.customerservice.ui.call.CallScreen
import support.customerservice.ui.conversation.TicketScreen
import support.customerservice.ui.outbox.OutboxScreen
import support.customerservice.ui.preview.Fixtures
import support.customerservice.ui.report.ReportScreen
import support.customerservice.ui.signin.SignInScreen
import support.customerservice.ui.theme.CustomerServiceTheme
import support.customerservice.ui.tickets.TicketListPane

/*
 * Glue (Android Studio's preview pane): the fixture states that the JVM screenshot tests render (ScreenStatesTest,
 * every state at phone and tablet size, light and dark), here for the ones a developer changes most.
 */

@Composable
private fun Themed(dark: Boolean = false, content: @Composable () -> Unit) = CustomerServiceTheme(dark, content)

@Preview(name = "Sign in", widthDp = 411, heightDp = 891)
@Composable
fun SignInPreview() = Themed { SignInScreen(Fixtures.signInError, {}) }

@Preview(name = "My tickets", widthDp = 411, heightDp = 891)
@Composable
fun MyTicketsPreview() = Themed { TicketListPane(Fixtures.myTickets, {}, {}, Modifier) }

@Preview(name = "Queue, offline", widthDp = 411, heightDp = 891, uiMode = Configuration.UI_MODE_NIGHT_YES)
@Composable
fun QueuePreview() = Themed(dark = true) { TicketListPane(Fixtures.queueOffline, {}, {}, Modifier) }

@Preview(name = "Ticket", widthDp = 411, heightDp = 891)
@Composable
fun TicketPreview() = Themed { TicketScreen(Fixtures.customerTicket, {}, Modifier) }

@Preview(name = "Outbox", widthDp = 411, heightDp = 891)
@Composable
fun OutboxPreview() = Themed { OutboxScreen(Fixtures.outbox, {}, Modifier) }

@Preview(name = "Incoming call", widthDp = 411, heightDp = 891)
@Composable
fun IncomingCallPreview() = Themed { CallScreen(Fixtures.callIncoming, {}) }

@Preview(name = "Daily report", widthDp = 411, heightDp = 891)
@Composable
fun ReportPreview() = Themed { ReportScreen(Fixtures.report7, {}, Modifier) }

@Preview(name = "Daily report, 90 days, wide", widthDp = 1280, heightDp = 800)
@Composable
fun ReportWidePreview() = Themed { ReportScreen(Fixtures.report90, {}, Modifier) }
