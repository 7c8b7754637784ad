package support.customerservice.ui.presenters

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Test
import support.customerservice.client.InMemoryTokenStore
import support.customerservice.core.TicketStatus
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.app.AppEvent
import support.customerservice.ui.app.AppPresenter
import support.customerservice.ui.app.Route

class AppPresenterTest : ScreensTest() {

    @Test
    fun `the app starts signed out`() = coreTest {
        val s = AppPresenter(openCore("device"), scope).state.value

        assertNull(s.user)
        assertEquals(emptyList(), s.stack)
        assertNull(s.top)
        assertNull(s.notice)
    }

    @Test
    fun `signing in shows the user's home`() = coreTest {
        val core = openCore("device")
        val presenter = AppPresenter(core, scope)
        val ann = core.registerCustomer("Ann")

        presenter.onEvent(AppEvent.SignedIn(ann))

        assertEquals(ann, presenter.state.value.user)
        assertEquals(emptyList(), presenter.state.value.stack)
    }

    @Test
    fun `open, select and back manage the stack`() = coreTest {
        val core = openCore("device")
        val presenter = AppPresenter(core, scope)
        presenter.onEvent(AppEvent.SignedIn(core.registerCustomer("Ann")))
        fun stack() = presenter.state.value.stack

        presenter.onEvent(AppEvent.Open(Route.NewTicket))
        presenter.onEvent(AppEvent.Open(Route.NewTicket))
        assertEquals(listOf(Route.NewTicket), stack(), "opening what is on top again adds nothing")

        presenter.onEvent(AppEvent.Open(Route.Ticket("a")))
        assertEquals(listOf(Route.NewTicket, Route.Ticket("a")), stack())
        assertEquals("a", presenter.state.value.selectedTicketId)

        presenter.onEvent(AppEvent.Select("b"))
        assertEquals(listOf(Route.NewTicket, Route.Ticket("b")), stack(), "a selected ticket replaces the one shown")

        presenter.onEvent(AppEvent.Open(Route.Outbox))
        assertNull(presenter.state.value.selectedTicketId)
        presenter.onEvent(AppEvent.Select("c"))
        assertEquals(listOf(Route.NewTicket, Route.Outbox, Route.Ticket("c")), stack())

        presenter.onEvent(AppEvent.Back)
        assertEquals(listOf(Route.NewTicket, Route.Outbox), stack())
        assertEquals(Route.Outbox, presenter.state.value.top)
        presenter.onEvent(AppEvent.Back)
        presenter.onEvent(AppEvent.Back)
        presenter.onEvent(AppEvent.Back)
        assertEquals(emptyList(), stack(), "back at the home list stays there")
    }

    @Test
    fun `signing out returns to the sign-in screen`() = coreTest {
        val core = openCore("device")
        val presenter = AppPresenter(core, scope)
        presenter.onEvent(AppEvent.SignedIn(core.registerCustomer("Ann")))
        presenter.onEvent(AppEvent.Open(Route.NewTicket))

        presenter.onEvent(AppEvent.SignOut)

        val out = presenter.state.probe().awaitMatching("signed out") { it.user == null }
        assertEquals(emptyList(), out.stack)
        assertNull(out.notice, "the user chose to")
        assertNull(core.currentUser)
    }

    @Test
    fun `a session kept in the token store is restored at start`() = coreTest {
        val tokens = InMemoryTokenStore()
        val ann = openCore("device", tokens).let { first -> first.registerCustomer("Ann").also { first.close() } }

        val s = AppPresenter(openCore("device", tokens), scope).state.value

        assertEquals(ann.id, s.user?.id)
        assertEquals("Ann", s.user?.name)
    }

    @Test
    fun `a session ended on the server brings the user back to sign-in with a notice`() = coreTest {
        val tokens = InMemoryTokenStore()
        val core = openCore("device", tokens)
        val presenter = AppPresenter(core, scope)
        presenter.onEvent(AppEvent.SignedIn(core.registerCustomer("Ann")))
        presenter.onEvent(AppEvent.Open(Route.NewTicket))
        awaitLive(core)

        logOut(tokens.token!!)

        val out = presenter.state.probe().awaitMatching("signed out by the server") { it.user == null }
        assertEquals(
            "You were signed out (the session ended on the server). Sign in again; nothing you queued is lost.",
            out.notice,
        )
        assertEquals(emptyList(), out.stack)
    }

    @Test
    fun `the outbox counts what waits and what was refused`() = coreTest {
        val core = openCore("device")
        val presenter = AppPresenter(core, scope)
        presenter.onEvent(AppEvent.SignedIn(core.registerCustomer("Ann")))
        val ticket = sentTicket(core, billing, "Printer")
        closeOnServer(ticket.id, staff("Bea Agent"))
        awaitTicket(core, ticket.id, "the ticket closed") { it.ticket.status == TicketStatus.CLOSED }

        core.sendMessage(ticket.id, "One more thing")

        presenter.state.probe().awaitMatching("the message refused") { it.outboxRefused == 1 && it.outboxWaiting == 0 }
        server.stop()
        awaitOffline(core)
        core.createTicket(billing, "Scanner", "It smokes.")
        presenter.state.probe().awaitMatching("the new ticket waiting") {
            it.outboxRefused == 1 && it.outboxWaiting == 1
        }
    }

    private fun closeOnServer(ticketId: String, staffEmail: String) {
        val token = server.login(staffEmail)
        val version = server.ticket(ticketId, token).getValue("version").jsonPrimitive.content.toLong()
        server.call(
            "PATCH",
            "/v1/tickets/$ticketId",
            token,
            buildJsonObject {
                put("status", "closed")
                put("version", version)
            },
        )
    }

    /** Ends the session [token] belongs to, as signing out elsewhere would (204, no body). */
    private fun logOut(token: String) {
        val request =
            HttpRequest.newBuilder(URI("${server.url}/v1/auth/logout"))
                .header("authorization", "Bearer $token")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build()
        val status = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
        check(status == 204) { "logout: $status" }
    }
}
