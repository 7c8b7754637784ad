package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.canned.CannedRepliesEvent
import support.customerservice.ui.canned.CannedRepliesPresenter
import support.customerservice.ui.conversation.TicketEvent
import support.customerservice.ui.conversation.TicketPresenter

/** Canned replies: the supervisor's screen that manages them, and the composer's picker that inserts them. */
class CannedRepliesPresenterTest : ScreensTest() {

    private suspend fun signIn(who: String, email: String): Pair<CustomerServiceCore, UserInfo> {
        val core = openCore(who)
        return core to core.signIn(email, TestServer.PASSWORD)
    }

    private suspend fun CoreTest.manager(core: CustomerServiceCore, me: UserInfo): CannedRepliesPresenter {
        val p = CannedRepliesPresenter(core, scope, me)
        p.state.probe().awaitMatching("the replies read") { !it.loading }
        return p
    }

    /** Writes a reply through the screen, as a supervisor would. */
    private suspend fun CoreTest.write(p: CannedRepliesPresenter, title: String, body: String) {
        p.onEvent(CannedRepliesEvent.New)
        p.onEvent(CannedRepliesEvent.DraftTitle(title))
        p.onEvent(CannedRepliesEvent.DraftBody(body))
        p.onEvent(CannedRepliesEvent.Save)
        p.state.probe().awaitMatching("$title saved") { it.draft == null && it.replies.any { r -> r.title == title } }
    }

    @Test
    fun `a supervisor writes, finds, edits and deletes replies, and a refused one keeps its text`() = coreTest {
        val (core, me) = signIn("sue", staff("Sue Visor", role = "supervisor"))
        awaitLive(core)
        val p = manager(core, me)
        assertTrue(p.state.value.replies.isEmpty())

        write(p, "Refund issued", "Hi, refunded.")
        p.onEvent(CannedRepliesEvent.Edit(p.state.value.replies.single()))
        // At the cursor, after "Hi": spaced from the word.
        p.onEvent(CannedRepliesEvent.InsertPlaceholder("customer_name", 2))
        assertEquals("Hi {customer_name}, refunded.", p.state.value.draft?.body)
        p.onEvent(CannedRepliesEvent.Save)
        p.state.probe().awaitMatching("the edit saved") { s ->
            s.draft == null && s.replies.single().body == "Hi {customer_name}, refunded."
        }
        write(p, "Goodbye", "Bye!")

        // The server refuses a misspelt placeholder: the draft stays, with the reason.
        p.onEvent(CannedRepliesEvent.New)
        p.onEvent(CannedRepliesEvent.DraftTitle("Typo"))
        p.onEvent(CannedRepliesEvent.DraftBody("Dear {custmer_name}"))
        p.onEvent(CannedRepliesEvent.Save)
        val refused = p.state.probe().awaitMatching("the refusal") { it.error != null }
        assertEquals("Dear {custmer_name}", refused.draft?.body)
        assertTrue(refused.error!!.contains("{custmer_name}"), refused.error)
        p.onEvent(CannedRepliesEvent.CancelDraft)

        p.onEvent(CannedRepliesEvent.Query("refund"))
        p.state.probe().awaitMatching("the search") { it.replies.map { r -> r.title } == listOf("Refund issued") }
        p.onEvent(CannedRepliesEvent.Query(""))
        val all = p.state.probe().awaitMatching("both") { it.replies.size == 2 }
        p.onEvent(CannedRepliesEvent.AskDelete(all.replies.first { it.title == "Goodbye" }))
        p.onEvent(CannedRepliesEvent.ConfirmDelete)
        p.state.probe().awaitMatching("Goodbye gone") { it.replies.map { r -> r.title } == listOf("Refund issued") }
        assertEquals(listOf("Refund issued"), core.cannedReplies(null).map { it.title })
    }

    @Test
    fun `an admin picks the department of a new reply`() = coreTest {
        val (core, me) = signIn("admin", TestServer.ADMIN_EMAIL)
        awaitLive(core)
        val p = manager(core, me)
        p.state.probe().awaitMatching("the departments") { it.departments.size == 2 }
        p.onEvent(CannedRepliesEvent.New)
        p.onEvent(CannedRepliesEvent.DraftDepartment(tech))
        p.onEvent(CannedRepliesEvent.DraftTitle("Reboot"))
        p.onEvent(CannedRepliesEvent.DraftBody("Please restart it."))
        p.onEvent(CannedRepliesEvent.Save)
        val saved = p.state.probe().awaitMatching("saved") { it.draft == null && it.replies.isNotEmpty() }
        assertEquals(tech, saved.replies.single().departmentId)
        assertEquals("Technical support", saved.departmentName(tech))
    }

    @Test
    fun `the composer's picker finds the department's replies and inserts one filled in after the draft`() = coreTest {
        val (sue, _) = signIn("sue", staff("Sue Visor", role = "supervisor"))
        sue.createCannedReply(null, "Refund issued", "Hi {customer_name}, #{ticket_number} is refunded. {agent_name}")
        sue.createCannedReply(null, "Goodbye", "Bye!")
        val ann = openCore("ann")
        ann.registerCustomer("Ann")
        val ticket = sentTicket(ann, billing, "Refund", "Charged twice")
        val (bea, beaMe) = signIn("bea", staff("Bea Agent"))
        awaitTicket(bea, ticket.id, "the ticket at Bea's") { it.ticket.customerName == "Ann" }
        val p = TicketPresenter(bea, scope, ticket.id, beaMe, TestPicker(), TestOpener(), TestAudio(440.0))
        p.state.probe().awaitMatching("loaded") { it.detail != null }

        p.onEvent(TicketEvent.ComposerChanged("Sorry for the wait."))
        p.onEvent(TicketEvent.ShowCanned(true))
        // Bea's core reads the replies just after it connects: an open picker shows them when they come.
        val open = p.state.probe().awaitMatching("the picker with both") { it.canned?.replies?.size == 2 }
        assertEquals(listOf("Goodbye", "Refund issued"), open.canned!!.replies.map { it.title })
        p.onEvent(TicketEvent.CannedQuery("REF"))
        val found =
            p.state.probe().awaitMatching("the search") { s -> s.canned?.query == "REF" && s.canned.replies.size == 1 }
        p.onEvent(TicketEvent.PickCanned(found.canned!!.replies.single().id))

        val filled = p.state.probe().awaitMatching("inserted") { it.canned == null && it.composer.contains("Hi") }
        assertEquals("Sorry for the wait.\n\nHi Ann, #${ticket.number} is refunded. Bea Agent", filled.composer)
        assertNull(filled.error)
        // Nothing is sent until Bea sends it.
        assertEquals(1, filled.detail!!.messages.size)

        // A customer has no picker.
        val annP =
            TicketPresenter(ann, scope, ticket.id, ann.currentUser!!, TestPicker(), TestOpener(), TestAudio(440.0))
        annP.onEvent(TicketEvent.ShowCanned(true))
        assertNull(annP.state.value.canned)
    }
}
