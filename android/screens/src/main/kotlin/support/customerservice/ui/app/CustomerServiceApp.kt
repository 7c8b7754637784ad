package support.customerservice.ui.app

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.automirrored.filled.Logout
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.BarChart
import androidx.compose.material.icons.filled.Call
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.MoreVert
import androidx.compose.material.icons.filled.NotificationsActive
import androidx.compose.material.icons.filled.Outbox
import androidx.compose.material.icons.filled.Quickreply
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Badge
import androidx.compose.material3.BadgedBox
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.material3.VerticalDivider
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emptyFlow
import support.customerservice.core.UserInfo
import support.customerservice.ui.call.CallPresenter
import support.customerservice.ui.call.CallScreen
import support.customerservice.ui.call.CallScreenKind
import support.customerservice.ui.canned.CannedRepliesPresenter
import support.customerservice.ui.canned.CannedRepliesScreen
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.isStaff
import support.customerservice.ui.common.managesCannedReplies
import support.customerservice.ui.common.readsReports
import support.customerservice.ui.conversation.TicketEvent
import support.customerservice.ui.conversation.TicketPresenter
import support.customerservice.ui.conversation.TicketScreen
import support.customerservice.ui.conversation.ticketTitle
import support.customerservice.ui.newticket.NewTicketPresenter
import support.customerservice.ui.newticket.NewTicketScreen
import support.customerservice.ui.outbox.OutboxPresenter
import support.customerservice.ui.outbox.OutboxScreen
import support.customerservice.ui.report.ReportPresenter
import support.customerservice.ui.report.ReportScreen
import support.customerservice.ui.report.reportTitle
import support.customerservice.ui.settings.PushCheckPresenter
import support.customerservice.ui.settings.PushCheckScreen
import support.customerservice.ui.signin.SignInPresenter
import support.customerservice.ui.signin.SignInScreen
import support.customerservice.ui.staff.StaffStatusActions
import support.customerservice.ui.staff.StaffStatusPresenter
import support.customerservice.ui.theme.CustomerServiceTheme
import support.customerservice.ui.tickets.TicketListEvent
import support.customerservice.ui.tickets.TicketListPane
import support.customerservice.ui.tickets.TicketListPresenter

/** From this width on, the list and the open ticket show side by side (Material's expanded width class). */
val ExpandedWidth: Dp = 840.dp

/** A presenter for as long as this part of the screen shows (and [keys] stay). */
@Composable
fun <P : Presenter<*, *>> rememberPresenter(graph: AppGraph, vararg keys: Any?, create: (CoroutineScope) -> P): P {
    val presenter = remember(*keys) { create(CoroutineScope(graph.presenterContext + SupervisorJob())) }
    DisposableEffect(presenter) { onDispose { presenter.close() } }
    return presenter
}

/**
 * The whole app: sign-in, then the customer's or the staff member's screens. [openTicket] brings tickets to the front
 * from outside the screens (a tapped notification, a deep link): each id opens at once from the cache while the user is
 * signed in. [backHandler] is the platform's system back (Android's `BackHandler`; none on the desktop), enabled while
 * something is open above the home list.
 */
@Composable
fun CustomerServiceApp(
    graph: AppGraph,
    dark: Boolean = androidx.compose.foundation.isSystemInDarkTheme(),
    openTicket: Flow<String> = emptyFlow(),
    backHandler: @Composable (enabled: Boolean, onBack: () -> Unit) -> Unit = { _, _ -> },
) {
    CustomerServiceTheme(dark) {
        val app = rememberPresenter(graph) { AppPresenter(graph.core, it) }
        val state by app.state.collectAsState()
        backHandler(state.user != null && state.stack.isNotEmpty()) { app.onEvent(AppEvent.Back) }
        LaunchedEffect(app, openTicket) { openTicket.collect { id -> app.onEvent(AppEvent.Select(id)) } }
        val user = state.user
        if (user == null) {
            val signIn =
                rememberPresenter(graph, "sign-in") { scope ->
                    SignInPresenter(graph.core, scope, graph.serverUrl) { app.onEvent(AppEvent.SignedIn(it)) }
                }
            val s by signIn.state.collectAsState()
            Column {
                state.notice?.let { MessageBar(it) }
                SignInScreen(s, signIn::onEvent)
            }
        } else {
            SignedIn(graph, app, state, user)
        }
    }
}

@Composable
private fun MessageBar(text: String) {
    androidx.compose.material3.Surface(
        color = MaterialTheme.colorScheme.errorContainer,
        contentColor = MaterialTheme.colorScheme.onErrorContainer,
    ) {
        Text(text, modifier = Modifier.padding(16.dp).testTag("notice"), style = MaterialTheme.typography.bodyMedium)
    }
}

@Composable
private fun SignedIn(graph: AppGraph, app: AppPresenter, state: AppState, user: UserInfo) {
    val staff = user.role.isStaff
    val calls =
        rememberPresenter(graph, user.id) { scope ->
            CallPresenter(
                graph.core,
                scope,
                graph.audio,
                onEnded = { ticketId ->
                    if (app.state.value.selectedTicketId != ticketId) app.onEvent(AppEvent.Select(ticketId))
                },
            )
        }
    val list = rememberPresenter(graph, user.id, "list") { TicketListPresenter(graph.core, it, staff) }
    val status =
        if (staff) {
            rememberPresenter(graph, user.id, "status") {
                StaffStatusPresenter(
                    graph.core,
                    it,
                    user.id,
                    user.status ?: support.customerservice.core.StaffStatus.OFF,
                )
            }
        } else {
            null
        }
    val callState by calls.state.collectAsState()
    if (callState.kind != CallScreenKind.NONE) {
        CallScreen(callState, calls::onEvent)
        return
    }
    BoxWithConstraints(Modifier.fillMaxSize()) {
        val wide = maxWidth >= ExpandedWidth
        val top = state.top
        if (wide) {
            Row(Modifier.fillMaxSize().testTag("list-detail")) {
                Box(Modifier.width(400.dp).fillMaxHeight()) {
                    Home(app, state, user, list, status, pushCheck = graph.pushCheck != null)
                }
                VerticalDivider()
                Box(Modifier.weight(1f).fillMaxHeight().testTag("detail-pane")) {
                    if (top == null) {
                        MessagePane(
                            if (staff) "Select a ticket" else "Select a ticket, or open a new one",
                            "Its conversation and details show here.",
                        )
                    } else {
                        RouteScreen(graph, app, user, top, status, showBack = false)
                    }
                }
            }
        } else if (top == null) {
            Home(app, state, user, list, status, pushCheck = graph.pushCheck != null)
        } else {
            RouteScreen(graph, app, user, top, status, showBack = true)
        }
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun Home(
    app: AppPresenter,
    state: AppState,
    user: UserInfo,
    list: TicketListPresenter,
    status: StaffStatusPresenter?,
    pushCheck: Boolean,
) {
    val listState by list.state.collectAsState()
    Scaffold(
        topBar = {
            TopAppBar(
                title = {
                    Text(if (status != null) "Queue" else "My tickets", maxLines = 1, overflow = TextOverflow.Ellipsis)
                },
                actions = {
                    IconButton(
                        onClick = { list.onEvent(TicketListEvent.Refresh) },
                        modifier = Modifier.testTag("refresh"),
                    ) {
                        Icon(Icons.Filled.Refresh, contentDescription = "Refresh")
                    }
                    OutboxButton(state) { app.onEvent(AppEvent.Open(Route.Outbox)) }
                    if (status != null) {
                        val s by status.state.collectAsState()
                        StaffStatusActions(s, status::onEvent)
                    }
                    val managesCanned = user.role.managesCannedReplies
                    val readsReports = user.role.readsReports
                    if (pushCheck || managesCanned || readsReports) {
                        // The phone's top bar has room for four actions beside the title: the rest go in a menu.
                        MoreMenu(
                            onCheckNotifications =
                                if (pushCheck) ({ app.onEvent(AppEvent.Open(Route.PushCheck)) }) else null,
                            onCannedReplies =
                                if (managesCanned) ({ app.onEvent(AppEvent.Open(Route.CannedReplies)) }) else null,
                            onDailyReport =
                                if (readsReports) ({ app.onEvent(AppEvent.Open(Route.DailyReport)) }) else null,
                            onSignOut = { app.onEvent(AppEvent.SignOut) },
                            userName = user.name,
                        )
                    } else {
                        IconButton(
                            onClick = { app.onEvent(AppEvent.SignOut) },
                            modifier = Modifier.testTag("sign-out"),
                        ) {
                            Icon(Icons.AutoMirrored.Filled.Logout, contentDescription = "Sign out ${user.name}")
                        }
                    }
                },
            )
        },
        floatingActionButton = {
            // Staff open tickets too, on a customer's behalf (one who phoned or wrote elsewhere).
            ExtendedFloatingActionButton(
                onClick = { app.onEvent(AppEvent.Open(Route.NewTicket)) },
                icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                text = { Text("New ticket") },
                modifier = Modifier.testTag("new-ticket"),
            )
        },
    ) { padding ->
        TicketListPane(
            listState,
            list::onEvent,
            onOpen = { app.onEvent(AppEvent.Select(it.id)) },
            modifier = Modifier.padding(padding),
            selectedId = state.selectedTicketId,
        )
    }
}

@Composable
private fun MoreMenu(
    onCheckNotifications: (() -> Unit)?,
    onCannedReplies: (() -> Unit)?,
    onDailyReport: (() -> Unit)?,
    onSignOut: () -> Unit,
    userName: String,
) {
    var open by remember { mutableStateOf(false) }
    Box {
        IconButton(onClick = { open = true }, modifier = Modifier.testTag("more")) {
            Icon(Icons.Filled.MoreVert, contentDescription = "More options")
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            if (onCannedReplies != null) {
                DropdownMenuItem(
                    text = { Text("Canned replies") },
                    leadingIcon = { Icon(Icons.Filled.Quickreply, contentDescription = null) },
                    onClick = {
                        open = false
                        onCannedReplies()
                    },
                    modifier = Modifier.testTag("canned-replies"),
                )
            }
            if (onDailyReport != null) {
                DropdownMenuItem(
                    text = { Text("Daily report") },
                    leadingIcon = { Icon(Icons.Filled.BarChart, contentDescription = null) },
                    onClick = {
                        open = false
                        onDailyReport()
                    },
                    modifier = Modifier.testTag("daily-report"),
                )
            }
            if (onCheckNotifications != null) {
                DropdownMenuItem(
                    text = { Text("Check notifications") },
                    leadingIcon = { Icon(Icons.Filled.NotificationsActive, contentDescription = null) },
                    onClick = {
                        open = false
                        onCheckNotifications()
                    },
                    modifier = Modifier.testTag("push-check"),
                )
            }
            DropdownMenuItem(
                text = { Text("Sign out $userName") },
                leadingIcon = { Icon(Icons.AutoMirrored.Filled.Logout, contentDescription = null) },
                onClick = {
                    open = false
                    onSignOut()
                },
                modifier = Modifier.testTag("sign-out"),
            )
        }
    }
}

@Composable
private fun OutboxButton(state: AppState, onClick: () -> Unit) {
    val count = state.outboxWaiting + state.outboxRefused
    IconButton(onClick = onClick, modifier = Modifier.testTag("outbox-button")) {
        BadgedBox(
            badge = {
                if (count > 0) {
                    Badge(
                        containerColor =
                            if (state.outboxRefused > 0) MaterialTheme.colorScheme.error
                            else MaterialTheme.colorScheme.secondary
                    ) {
                        Text("$count")
                    }
                }
            }
        ) {
            Icon(
                Icons.Filled.Outbox,
                contentDescription =
                    when {
                        state.outboxRefused > 0 ->
                            "Outbox: ${state.outboxRefused} refused, ${state.outboxWaiting} waiting"
                        count > 0 -> "Outbox: $count waiting"
                        else -> "Outbox"
                    },
            )
        }
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun RouteScreen(
    graph: AppGraph,
    app: AppPresenter,
    user: UserInfo,
    route: Route,
    status: StaffStatusPresenter?,
    showBack: Boolean,
) {
    val back: @Composable () -> Unit = {
        if (showBack) {
            IconButton(onClick = { app.onEvent(AppEvent.Back) }, modifier = Modifier.testTag("back")) {
                Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = "Back")
            }
        }
    }
    val staffActions: @Composable () -> Unit = {
        if (status != null && showBack) {
            val s by status.state.collectAsState()
            StaffStatusActions(s, status::onEvent, compact = true)
        }
    }
    when (route) {
        Route.NewTicket -> {
            val p =
                rememberPresenter(graph, route) { scope ->
                    NewTicketPresenter(graph.core, scope, graph.picker, staff = user.takeIf { it.role.isStaff }) { id ->
                        app.onEvent(AppEvent.Back)
                        app.onEvent(AppEvent.Select(id))
                    }
                }
            val s by p.state.collectAsState()
            val title = if (user.role.isStaff) "New ticket for a customer" else "New ticket"
            Scaffold(topBar = { TopAppBar(title = { Text(title) }, navigationIcon = back) }) { padding ->
                NewTicketScreen(s, p::onEvent, Modifier.padding(padding))
            }
        }
        Route.Outbox -> {
            val p = rememberPresenter(graph, route) { OutboxPresenter(graph.core, it) }
            val s by p.state.collectAsState()
            Scaffold(
                topBar = { TopAppBar(title = { Text("Outbox") }, navigationIcon = back, actions = { staffActions() }) }
            ) { padding ->
                OutboxScreen(s, p::onEvent, Modifier.padding(padding))
            }
        }
        Route.CannedReplies -> {
            val p = rememberPresenter(graph, route) { CannedRepliesPresenter(graph.core, it, user) }
            val s by p.state.collectAsState()
            Scaffold(topBar = { TopAppBar(title = { Text("Canned replies") }, navigationIcon = back) }) { padding ->
                CannedRepliesScreen(s, p::onEvent, Modifier.padding(padding))
            }
        }
        Route.DailyReport -> {
            val p = rememberPresenter(graph, route) { ReportPresenter(graph.core, it, user, graph.reportExporter) }
            val s by p.state.collectAsState()
            Scaffold(topBar = { TopAppBar(title = { Text(reportTitle(s)) }, navigationIcon = back) }) { padding ->
                ReportScreen(s, p::onEvent, Modifier.padding(padding))
            }
        }
        Route.PushCheck -> {
            val selfTest = graph.pushCheck ?: return
            val p = rememberPresenter(graph, route) { PushCheckPresenter(selfTest, it) }
            val s by p.state.collectAsState()
            Scaffold(topBar = { TopAppBar(title = { Text("Check notifications") }, navigationIcon = back) }) { padding
                ->
                PushCheckScreen(s, p::onEvent, Modifier.padding(padding), graph.openNotificationSettings)
            }
        }
        is Route.Ticket -> {
            val p =
                rememberPresenter(graph, route) { scope ->
                    TicketPresenter(graph.core, scope, route.id, user, graph.picker, graph.opener, graph.audio)
                }
            val s by p.state.collectAsState()
            Scaffold(
                topBar = {
                    TopAppBar(
                        title = { Text(ticketTitle(s), maxLines = 1, overflow = TextOverflow.Ellipsis) },
                        navigationIcon = back,
                        actions = {
                            IconButton(
                                onClick = { p.onEvent(TicketEvent.Call) },
                                enabled = s.detail != null && !s.placingCall,
                                modifier = Modifier.testTag("call"),
                            ) {
                                Icon(
                                    Icons.Filled.Call,
                                    contentDescription = if (s.staff) "Call customer" else "Call support",
                                )
                            }
                            if (!s.staff && s.canClose) {
                                IconButton(
                                    onClick = { p.onEvent(TicketEvent.CloseTicket) },
                                    modifier = Modifier.testTag("close-ticket"),
                                ) {
                                    Icon(Icons.Filled.CheckCircle, contentDescription = "Close ticket")
                                }
                            }
                            staffActions()
                        },
                    )
                }
            ) { padding ->
                TicketScreen(s, p::onEvent, Modifier.padding(padding))
            }
        }
    }
}
