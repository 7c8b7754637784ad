package support.customerservice.ui.presenters

import java.nio.file.Files
import java.nio.file.Path
import java.util.UUID
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.delay
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.audio.AudioUnavailableException
import support.customerservice.core.AudioDevice
import support.customerservice.core.Priority
import support.customerservice.core.SendState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketStatus
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.call.CallAudio
import support.customerservice.ui.call.MICROPHONE_REFUSED
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.conversation.ConversationEntry
import support.customerservice.ui.conversation.TicketEvent
import support.customerservice.ui.conversation.TicketPresenter
import support.customerservice.ui.conversation.TicketState

class TicketPresenterTest : ScreensTest() {

    private class Person(val core: CustomerServiceCore, val user: UserInfo, val email: String)

    /** A session of [this] person's for the server's own view. */
    private val Person.token: String
        get() = server.login(email)

    private lateinit var ann: Person
    private lateinit var bea: Person
    private lateinit var ticket: TicketItem

    /**
     * Ann (a customer) has a billing ticket, sent; Bea (a billing agent) has it cached. [colleagues] are billing agents
     * too, there before Bea signs in.
     */
    private suspend fun CoreTest.printerTicket(vararg colleagues: String) {
        ann = person("ann") { it.registerCustomer("Ann").let { u -> u to customerEmail("Ann") } }
        ticket = sentTicket(ann.core, billing, "Printer", "It jams.")
        colleagues.forEach { staff(it) }
        bea = staffMember("Bea Agent")
        awaitTicket(bea.core, ticket.id, "the ticket at Bea's") { true }
    }

    private suspend fun person(dir: String, signIn: suspend (CustomerServiceCore) -> Pair<UserInfo, String>): Person {
        val core = openCore(dir)
        val (user, email) = signIn(core)
        return Person(core, user, email)
    }

    private suspend fun staffMember(name: String, role: String = "agent"): Person {
        val email = staff(name, billing, role)
        return person(name) { it.signIn(email, TestServer.PASSWORD) to email }
    }

    private fun presenter(
        who: Person,
        ticketId: String = ticket.id,
        picker: AttachmentPicker = TestPicker(),
        opener: FileOpener = TestOpener(),
        audio: CallAudio = TestAudio(440.0),
    ) = TicketPresenter(who.core, scope, ticketId, who.user, picker, opener, audio)

    private suspend fun CoreTest.loaded(presenter: TicketPresenter): TicketState =
        presenter.state.probe().awaitMatching("the ticket loaded") { it.detail != null }

    private val TicketState.messages: List<ConversationEntry.Message>
        get() = entries.filterIsInstance<ConversationEntry.Message>()

    @Test
    fun `the ticket loads with its conversation`() = coreTest {
        printerTicket()
        val mine =
            startHeld(
                scope,
                { TicketPresenter(ann.core, it, ticket.id, ann.user, TestPicker(), TestOpener(), TestAudio(440.0)) },
            ) {
                assertTrue(it.state.value.loading)
                assertNull(it.state.value.detail)
            }

        val s = loaded(mine)
        assertFalse(s.loading)
        assertEquals("Printer", s.detail?.ticket?.subject)
        assertEquals(listOf("It jams." to true), s.messages.map { it.item.body to it.mine })
        assertFalse(s.staff)
        assertTrue(s.canClose)

        val staffView = loaded(presenter(bea))
        assertTrue(staffView.staff)
        assertEquals(listOf("It jams." to false), staffView.messages.map { it.item.body to it.mine })
    }

    @Test
    fun `a ticket that can't be found says so`() = coreTest {
        printerTicket()
        val presenter = presenter(ann, ticketId = UUID.randomUUID().toString())

        val s = presenter.state.probe().awaitMatching("the ticket given up") { it.error != null }

        assertFalse(s.loading)
        assertNull(s.detail)
        assertTrue(s.error!!.startsWith("Couldn't load this ticket: "), s.error)
    }

    @Test
    fun `send posts the message and empties the composer`() = coreTest {
        printerTicket()
        val presenter = presenter(ann)
        loaded(presenter)
        presenter.onEvent(TicketEvent.ComposerChanged("   "))
        assertFalse(presenter.state.value.canSend, "nothing to send")

        presenter.onEvent(TicketEvent.ComposerChanged("Any news?"))
        presenter.onEvent(TicketEvent.Send)

        // The send finishing, not only the message shown as sent: a fast
        // server's echo can reach the list before the send returns.
        val sent =
            presenter.state.probe().awaitMatching("the message sent") { s ->
                !s.sending && s.messages.any { it.item.body == "Any news?" && it.item.sendState == SendState.Sent }
            }
        assertEquals("", sent.composer)
        assertFalse(sent.sending)
        assertEquals(listOf("It jams.", "Any news?"), server.messageBodies(ticket.id, ann.token))
    }

    @Test
    fun `a message over the limit is refused before sending, and the error can be dismissed`() = coreTest {
        printerTicket()
        val presenter = presenter(ann)
        loaded(presenter)
        val long = "x".repeat(20_001)
        presenter.onEvent(TicketEvent.ComposerChanged(long))

        presenter.onEvent(TicketEvent.Send)

        with(presenter.state.value) {
            assertEquals("A message can have at most 20000 characters.", error)
            assertEquals(long, composer)
            assertFalse(sending)
        }
        presenter.onEvent(TicketEvent.DismissError)
        assertNull(presenter.state.value.error)
        assertEquals(emptyList(), ann.core.outbox())
    }

    @Test
    fun `an internal note from staff never reaches the customer`() = coreTest {
        printerTicket()
        val customerView = ann.core.ticketFlow(ticket.id).probe()
        val customer = presenter(ann)
        customer.onEvent(TicketEvent.SetInternal(true))
        assertFalse(customer.state.value.internal, "customers write no internal notes")
        val staffScreen = presenter(bea)
        loaded(staffScreen)

        staffScreen.onEvent(TicketEvent.SetInternal(true))
        staffScreen.onEvent(TicketEvent.ComposerChanged("Refund approved by Sam"))
        staffScreen.onEvent(TicketEvent.Send)
        val noted =
            staffScreen.state.probe().awaitMatching("the note sent") { s ->
                !s.sending &&
                    s.messages.any {
                        it.item.body == "Refund approved by Sam" &&
                            it.item.internal &&
                            it.item.sendState == SendState.Sent
                    }
            }
        assertFalse(noted.internal, "the next message is public again")
        staffScreen.onEvent(TicketEvent.ComposerChanged("We're on it."))
        staffScreen.onEvent(TicketEvent.Send)

        customerView.awaitMatching("the public reply at Ann's, and never the note") { d ->
            check(d.messages.none { it.body == "Refund approved by Sam" }) { "the customer saw the note: $d" }
            d.messages.any { it.body == "We're on it." }
        }
        assertEquals(listOf("It jams.", "We're on it."), server.messageBodies(ticket.id, ann.token))
        assertEquals(
            listOf("It jams.", "Refund approved by Sam", "We're on it."),
            server.messageBodies(ticket.id, bea.token),
        )
        assertTrue(customer.state.value.messages.none { it.item.internal }, "${customer.state.value}")
    }

    @Test
    fun `staff set the status, then the priority, and the server has both`() = coreTest {
        printerTicket()
        val presenter = presenter(bea)
        loaded(presenter)

        presenter.onEvent(TicketEvent.SetStatus(TicketStatus.IN_PROGRESS))
        presenter.state.probe().awaitMatching("in progress, sent") { s ->
            s.detail?.ticket?.let { it.status == TicketStatus.IN_PROGRESS && it.sendState == SendState.Sent } == true
        }
        presenter.onEvent(TicketEvent.SetPriority(Priority.HIGH))
        val changed =
            presenter.state.probe().awaitMatching("high, sent") { s ->
                s.detail?.ticket?.let { it.priority == Priority.HIGH && it.sendState == SendState.Sent } == true
            }

        assertTrue(
            changed.entries.filterIsInstance<ConversationEntry.Event>().any { "in progress" in it.item.description },
            "the change is on the timeline: ${changed.entries}",
        )
        val onServer = server.ticket(ticket.id, ann.token)
        assertEquals("in_progress", onServer.text("status"))
        assertEquals("high", onServer.text("priority"))
        awaitTicket(ann.core, ticket.id, "both changes at Ann's") {
            it.ticket.status == TicketStatus.IN_PROGRESS && it.ticket.priority == Priority.HIGH
        }
    }

    @Test
    fun `two changes in a row both reach the server`() = coreTest {
        printerTicket()
        val presenter = presenter(bea)
        loaded(presenter)

        presenter.onEvent(TicketEvent.SetStatus(TicketStatus.IN_PROGRESS))
        presenter.onEvent(TicketEvent.SetPriority(Priority.HIGH))

        awaitTicket(bea.core, ticket.id, "both changes settled") {
            it.ticket.sendState != SendState.Pending &&
                it.ticket.status == TicketStatus.IN_PROGRESS &&
                it.ticket.priority == Priority.HIGH
        }
        assertEquals(emptyList(), bea.core.outbox())
        val onServer = server.ticket(ticket.id, ann.token)
        assertEquals("in_progress" to "high", onServer.text("status") to onServer.text("priority"))
    }

    @Test
    fun `staff assign the ticket to a colleague and unassign it`() = coreTest {
        printerTicket("Cid Agent")
        val presenter = presenter(bea)
        val cid =
            presenter.state
                .probe()
                .awaitMatching("Cid among the colleagues") { s -> s.colleagues.any { it.name == "Cid Agent" } }
                .colleagues
                .first { it.name == "Cid Agent" }

        presenter.onEvent(TicketEvent.Assign(cid.id))
        presenter.state.probe().awaitMatching("Cid's, sent") { s ->
            s.detail?.ticket?.let { it.assigneeId == cid.id && it.sendState == SendState.Sent } == true
        }
        assertEquals(cid.id, server.ticket(ticket.id, bea.token).text("assignee_id"))

        presenter.onEvent(TicketEvent.Assign(null))
        presenter.state.probe().awaitMatching("nobody's, sent") { s ->
            s.detail?.ticket?.let { it.assigneeId == null && it.sendState == SendState.Sent } == true
        }
        assertNull(server.ticket(ticket.id, bea.token).text("assignee_id"))
    }

    @Test
    fun `a supervisor transfers the ticket to another department`() = coreTest {
        printerTicket()
        val agentScreen = presenter(bea)
        assertFalse(loaded(agentScreen).canTransfer)
        val sam = staffMember("Sam Boss", role = "supervisor")
        awaitTicket(sam.core, ticket.id, "the ticket at Sam's") { true }
        val presenter = presenter(sam)
        val ready =
            presenter.state.probe().awaitMatching("the departments to transfer to") {
                it.detail != null && it.departments.size == 2
            }
        assertTrue(ready.canTransfer)

        presenter.onEvent(TicketEvent.Transfer(tech))

        awaitTicket(ann.core, ticket.id, "the ticket in the technical department") { it.ticket.departmentId == tech }
        assertEquals(tech, server.ticket(ticket.id, ann.token).text("department_id"))
    }

    @Test
    fun `the customer closes the ticket`() = coreTest {
        printerTicket()
        val presenter = presenter(ann)
        loaded(presenter)

        presenter.onEvent(TicketEvent.CloseTicket)

        val closed =
            presenter.state.probe().awaitMatching("closed, sent") { s ->
                s.detail?.ticket?.let { it.status == TicketStatus.CLOSED && it.sendState == SendState.Sent } == true
            }
        assertFalse(closed.canClose)
        assertEquals("closed", server.ticket(ticket.id, ann.token).text("status"))
    }

    @Test
    fun `the customer opening the ticket after a staff reply sends a read receipt`() = coreTest {
        printerTicket()
        val staffScreen = presenter(bea)
        loaded(staffScreen)
        staffScreen.onEvent(TicketEvent.ComposerChanged("Have you tried turning it off?"))
        staffScreen.onEvent(TicketEvent.Send)
        val reply =
            staffScreen.state
                .probe()
                .awaitMatching("the reply sent") { s ->
                    s.messages.any { it.mine && it.item.sendState == SendState.Sent }
                }
                .messages
                .first { it.mine }
                .item
        delay(500)
        assertEquals(
            emptyList(),
            staffScreen.state.value.messages.first { it.item.id == reply.id }.seenBy,
            "not read yet",
        )

        presenter(ann)

        val seen =
            staffScreen.state.probe().awaitMatching("the reply seen by Ann") { s ->
                s.messages.any { it.item.id == reply.id && it.seenBy == listOf("Ann") }
            }
        val read = seen.detail!!.reads.single { it.userId == ann.user.id }
        assertEquals(reply.id, read.messageId)
    }

    @Test
    fun `staff typing shows the customer they are typing, until the message is sent`() = coreTest {
        printerTicket()
        awaitLive(ann.core)
        awaitLive(bea.core)
        val customer = presenter(ann)
        loaded(customer)
        val staffScreen = presenter(bea)
        loaded(staffScreen)

        staffScreen.onEvent(TicketEvent.ComposerChanged("Let me check"))

        // Ann's cache has no name for Bea until Bea has written: she shows as "Someone".
        customer.state.probe().awaitMatching("Bea typing") { s ->
            s.typing.size == 1 && s.detail?.typing?.map { it.userId } == listOf(bea.user.id)
        }
        staffScreen.onEvent(TicketEvent.Send)
        customer.state.probe().awaitMatching("the reply, and nobody typing") { s ->
            s.typing.isEmpty() && s.messages.any { it.item.body == "Let me check" }
        }
    }

    @Test
    fun `opening an attachment downloads it and hands it to the opener`() = coreTest {
        printerTicket()
        val customer = presenter(ann, picker = TestPicker(listOf(png())))
        loaded(customer)
        customer.onEvent(TicketEvent.AddAttachments)
        customer.state.probe().awaitMatching("the file picked") { it.attachments.size == 1 }
        customer.onEvent(TicketEvent.Send)
        val opener = TestOpener()
        val staffScreen = presenter(bea, opener = opener)
        val attachment =
            staffScreen.state
                .probe()
                .awaitMatching("the screenshot at Bea's") { s -> s.messages.any { it.item.attachments.isNotEmpty() } }
                .messages
                .first { it.item.attachments.isNotEmpty() }
                .item
                .attachments
                .single()
        assertEquals("screenshot.png", attachment.name)

        staffScreen.onEvent(TicketEvent.OpenAttachment(attachment))

        assertEquals(setOf(attachment.id), staffScreen.state.value.opening)
        staffScreen.state.probe().awaitMatching("opened") {
            it.opening.isEmpty() && synchronized(opener.opened) { opener.opened.isNotEmpty() }
        }
        val (path, name) = synchronized(opener.opened) { opener.opened.single() }
        assertEquals("screenshot.png", name)
        assertContentEquals(Files.readAllBytes(Path.of(png().path)), Files.readAllBytes(Path.of(path)))
        assertNull(staffScreen.state.value.error)
    }

    @Test
    fun `a file that can't be attached is refused, and a picked one can be removed`() = coreTest {
        printerTicket()
        val presenter = presenter(ann, picker = TestPicker(listOf(file("setup.exe", byteArrayOf(1)), png())))
        loaded(presenter)

        presenter.onEvent(TicketEvent.AddAttachments)

        val picked = presenter.state.probe().awaitMatching("the pick") { it.attachments.isNotEmpty() }
        assertEquals(listOf("screenshot.png"), picked.attachments.map { it.file.name })
        assertEquals(
            "setup.exe: this type of file can't be attached (images, PDF, ZIP, audio, video and text can)",
            picked.error,
        )
        assertTrue(picked.canSend, "an attachment alone can be sent")
        presenter.onEvent(TicketEvent.RemoveAttachment(0))
        assertEquals(emptyList(), presenter.state.value.attachments)
        assertFalse(presenter.state.value.canSend)
    }

    @Test
    fun `an attachment can't be sent offline, the error says so and the text is kept`() = coreTest {
        printerTicket()
        val presenter = presenter(ann, picker = TestPicker(listOf(png())))
        loaded(presenter)
        presenter.onEvent(TicketEvent.AddAttachments)
        presenter.state.probe().awaitMatching("the file picked") { it.attachments.size == 1 }
        presenter.onEvent(TicketEvent.ComposerChanged("Here is the screenshot"))
        server.stop()
        presenter.state.probe().awaitMatching("offline") { it.sync == SyncState.OFFLINE }

        presenter.onEvent(TicketEvent.Send)

        val failed = presenter.state.probe().awaitMatching("the send failed") { !it.sending && it.error != null }
        assertEquals(
            "Couldn't send the attachments: Can't reach the server. Check your connection and try again. Your message is kept.",
            failed.error,
        )
        assertEquals("Here is the screenshot", failed.composer)
        assertEquals(listOf("screenshot.png" to 0L), failed.attachments.map { it.file.name to it.sentBytes })
        assertEquals(emptyList(), ann.core.outbox())
        assertEquals(listOf("It jams."), failed.messages.map { it.item.body })
    }

    @Test
    fun `a call without the microphone says so, places nothing, and can be tried again`() = coreTest {
        printerTicket()
        val refused =
            object : CallAudio {
                override fun device(): AudioDevice = error("not opened without the permission")

                override suspend fun requestMicrophone() = false
            }
        val customer = presenter(ann, audio = refused)
        loaded(customer)
        customer.onEvent(TicketEvent.Call)
        val s = customer.state.probe().awaitMatching("the refusal") { it.error != null && !it.placingCall }
        assertEquals(MICROPHONE_REFUSED, s.error)
        assertTrue(ann.core.client.calls().isEmpty(), "no call was placed")
    }

    @Test
    fun `a microphone another app holds is a readable error, not a crash`() = coreTest {
        printerTicket()
        val busy = CallAudio {
            throw AudioUnavailableException("the microphone cannot be opened (in use, or not allowed)")
        }
        val customer = presenter(ann, audio = busy)
        loaded(customer)
        customer.onEvent(TicketEvent.Call)
        val s = customer.state.probe().awaitMatching("the error") { it.error != null && !it.placingCall }
        assertEquals("Couldn't call: the microphone cannot be opened (in use, or not allowed)", s.error)
    }
}
