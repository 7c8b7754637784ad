package support.customerservice.ui.app

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.OutboxItem
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.UserInfo
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.outboxCues
import support.customerservice.ui.common.userMessage

/** A place in the app, below the home list. */
sealed interface Route {
    data object NewTicket : Route

    data class Ticket(val id: String) : Route

    data object Outbox : Route

    /** Supervisors and admins: the department's canned replies to manage. */
    data object CannedReplies : Route

    /** Supervisors and admins: the department's daily report. */
    data object DailyReport : Route

    /** "Check notifications": the push self-test. */
    data object PushCheck : Route
}

data class AppState(
    /** `null`: signed out, the sign-in screen shows. */
    val user: UserInfo? = null,
    /**
     * What is open above the home list, oldest first. On a wide window the top one shows beside the list; on a phone it
     * covers it.
     */
    val stack: List<Route> = emptyList(),
    val outboxWaiting: Int = 0,
    val outboxRefused: Int = 0,
    /** Why the user is looking at the sign-in screen, when it was not their choice. */
    val notice: String? = null,
) {
    val top: Route?
        get() = stack.lastOrNull()

    val selectedTicketId: String?
        get() = (top as? Route.Ticket)?.id
}

sealed interface AppEvent {
    data class SignedIn(val user: UserInfo) : AppEvent

    data class Open(val route: Route) : AppEvent

    /** Opens a ticket from the list: it replaces what the detail pane showed. */
    data class Select(val ticketId: String) : AppEvent

    data object Back : AppEvent

    data object SignOut : AppEvent
}

/**
 * The session and where the user is. The session is restored at start from the core (a kept token); a session the
 * server ended brings the user back to sign-in with a notice, keeping what is queued.
 */
class AppPresenter(private val core: CustomerServiceCore, scope: CoroutineScope) :
    Presenter<AppState, AppEvent>(AppState(user = core.currentUser), scope) {
    @Volatile private var signingOut = false

    /** The outbox as last read, for [outboxCues]. */
    private val outbox = MutableStateFlow<List<OutboxItem>>(emptyList())

    init {
        scope.launch {
            core.syncStateFlow().collect { s ->
                // Not when the user chose to: revoking the session ends it on the server too.
                if (s == SyncState.SIGNED_OUT && current.user != null && !signingOut) {
                    setState {
                        AppState(
                            notice =
                                "You were signed out (the session ended on the server). Sign in again; nothing you queued is lost."
                        )
                    }
                }
            }
        }
        scope.launch { core.outboxCues(outbox).collect { countOutbox() } }
    }

    override fun onEvent(event: AppEvent) {
        when (event) {
            is AppEvent.SignedIn -> setState { AppState(user = event.user) }
            is AppEvent.Open -> setState { if (top == event.route) this else copy(stack = stack + event.route) }
            is AppEvent.Select ->
                setState {
                    val route = Route.Ticket(event.ticketId)
                    copy(stack = stack.filter { it !is Route.Ticket } + route)
                }
            AppEvent.Back -> setState { copy(stack = stack.dropLast(1)) }
            AppEvent.SignOut ->
                scope.launch {
                    signingOut = true
                    try {
                        core.signOut()
                        setState { AppState() }
                    } catch (e: CoreException) {
                        setState { copy(notice = "Couldn't sign out: ${e.userMessage()}") }
                    } finally {
                        signingOut = false
                    }
                }
        }
    }

    private suspend fun countOutbox() {
        val items =
            try {
                core.outbox()
            } catch (_: CoreException) {
                return
            }
        outbox.value = items
        setState {
            copy(
                outboxWaiting = items.count { it.state !is SendState.Failed },
                outboxRefused = items.count { it.state is SendState.Failed },
            )
        }
    }
}
