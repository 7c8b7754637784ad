package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.OutboxKind
import support.customerservice.core.SendState
import support.customerservice.testing.CoreTest
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.MAX_UPLOAD_BYTES
import support.customerservice.ui.newticket.NewTicketEvent
import support.customerservice.ui.newticket.NewTicketPresenter
import support.customerservice.ui.newticket.NewTicketState

class NewTicketPresenterTest : ScreensTest() {

    private val created = CompletableDeferred<String>()

    private suspend fun customer(): CustomerServiceCore = openCore("ann").also { it.registerCustomer("Ann") }

    private fun presenter(core: CustomerServiceCore, picker: AttachmentPicker = TestPicker()) =
        NewTicketPresenter(core, scope, picker) { created.complete(it) }

    private suspend fun CoreTest.departmentsLoaded(presenter: NewTicketPresenter): NewTicketState =
        presenter.state.probe().awaitMatching("the departments") { !it.loadingDepartments && it.departments.size == 2 }

    private fun NewTicketPresenter.fill(departmentId: String, subject: String, description: String) {
        onEvent(NewTicketEvent.SelectDepartment(departmentId))
        onEvent(NewTicketEvent.SubjectChanged(subject))
        onEvent(NewTicketEvent.DescriptionChanged(description))
    }

    @Test
    fun `the departments load and one can be chosen`() = coreTest {
        val ann = customer()
        val presenter =
            startHeld(scope, { NewTicketPresenter(ann, it, TestPicker()) {} }) {
                assertTrue(it.state.value.loadingDepartments)
                assertEquals(emptyList(), it.state.value.departments)
            }

        val loaded = departmentsLoaded(presenter)
        assertEquals(setOf("Billing", "Technical support"), loaded.departments.map { it.name }.toSet())
        assertNull(loaded.departmentId, "with two departments none is chosen for the user")

        presenter.onEvent(NewTicketEvent.SelectDepartment(tech))
        assertEquals("Technical support", presenter.state.value.department?.name)
    }

    @Test
    fun `departments that can't load say so and load again when asked`() = coreTest {
        val ann = customer()
        server.stop()
        awaitOffline(ann)
        val presenter = presenter(ann)
        val failed = presenter.state.probe().awaitMatching("the departments failed") { !it.loadingDepartments }
        assertEquals(emptyList(), failed.departments)
        assertTrue(failed.error!!.startsWith("Couldn't load the departments: Can't reach the server"), failed.error)

        server.start()
        presenter.onEvent(NewTicketEvent.ReloadDepartments)

        val loaded = departmentsLoaded(presenter)
        assertNull(loaded.error, "the failure is over")
    }

    @Test
    fun `submitting an empty form shows what to fix and sends nothing`() = coreTest {
        val ann = customer()
        val presenter = presenter(ann)
        departmentsLoaded(presenter)
        presenter.onEvent(NewTicketEvent.SubjectChanged("   "))

        presenter.onEvent(NewTicketEvent.Submit)

        with(presenter.state.value) {
            assertEquals("Choose a department", departmentError)
            assertEquals("Enter a subject", subjectError)
            assertEquals("Describe the problem", descriptionError)
            assertFalse(submitting)
        }
        presenter.onEvent(NewTicketEvent.SelectDepartment(billing))
        assertNull(presenter.state.value.departmentError)
        presenter.onEvent(NewTicketEvent.SubjectChanged("Printer"))
        assertNull(presenter.state.value.subjectError)
        presenter.onEvent(NewTicketEvent.DescriptionChanged("It jams."))
        assertNull(presenter.state.value.descriptionError)
        delay(300)
        assertEquals(emptyList(), ann.outbox())
        assertFalse(created.isCompleted)
    }

    @Test
    fun `a subject or description over the limit is refused before sending`() = coreTest {
        val ann = customer()
        val presenter = presenter(ann)
        departmentsLoaded(presenter)
        presenter.fill(billing, "s".repeat(201), "d".repeat(20_001))

        presenter.onEvent(NewTicketEvent.Submit)

        with(presenter.state.value) {
            assertNull(departmentError)
            assertEquals("Use at most 200 characters", subjectError)
            assertEquals("Use at most 20000 characters", descriptionError)
            assertFalse(submitting)
        }
        assertEquals(emptyList(), ann.outbox())
    }

    @Test
    fun `attachments of the wrong type, too big or empty are refused with the reason`() = coreTest {
        val ann = customer()
        val tooBig = png("huge.png").copy(size = MAX_UPLOAD_BYTES + 1)
        val picker =
            TestPicker(listOf(file("setup.exe", byteArrayOf(1, 2, 3)), tooBig, file("empty.txt", ByteArray(0)), png()))
        val presenter = presenter(ann, picker)

        presenter.onEvent(NewTicketEvent.AddAttachments)

        val picked = presenter.state.probe().awaitMatching("the pick") { it.attachments.isNotEmpty() }
        assertEquals(listOf("screenshot.png"), picked.attachments.map { it.file.name })
        assertEquals(
            listOf(
                "setup.exe: this type of file can't be attached (images, PDF, ZIP, audio, video and text can)",
                "huge.png is larger than 25 MB",
                "empty.txt is empty",
            ),
            picked.error?.lines(),
        )

        presenter.onEvent(NewTicketEvent.RemoveAttachment(0))
        assertEquals(emptyList(), presenter.state.value.attachments)
        assertNull(presenter.state.value.error)
    }

    @Test
    fun `without attachments a ticket is queued offline and handed over`() = coreTest {
        val ann = customer()
        val presenter = presenter(ann)
        departmentsLoaded(presenter)
        server.stop()
        awaitOffline(ann)
        presenter.fill(billing, " Printer ", " It jams. ")

        presenter.onEvent(NewTicketEvent.Submit)

        val id = withTimeout(10.seconds) { created.await() }
        val queued = ann.outbox().single()
        assertEquals(OutboxKind.CREATE_TICKET, queued.kind)
        assertEquals(id, queued.ticketId)
        assertEquals(SendState.Pending, queued.state)
        assertEquals("Printer", queued.summary)
        with(presenter.state.value) {
            assertFalse(submitting)
            assertEquals("", subject, "the form is empty for the next ticket")
            assertEquals("", description)
            assertNull(departmentId)
            assertEquals(2, departments.size, "the departments stay loaded")
        }
    }

    @Test
    fun `a png attachment is uploaded and reaches the server with the ticket`() = coreTest {
        val ann = customer()
        val presenter = presenter(ann, TestPicker(listOf(png())))
        departmentsLoaded(presenter)
        presenter.fill(billing, "Error on checkout", "See the screenshot.")
        presenter.onEvent(NewTicketEvent.AddAttachments)
        presenter.state.probe().awaitMatching("the attachment picked") { it.attachments.size == 1 }

        presenter.onEvent(NewTicketEvent.Submit)

        val id = withTimeout(20.seconds) { created.await() }
        awaitTicket(ann, id, "the ticket and its attachment sent") { d ->
            d.ticket.number != null && d.messages.size == 2 && d.messages.all { it.sendState == SendState.Sent }
        }
        val token = server.login(customerEmail("Ann"))
        assertEquals("Error on checkout", server.ticket(id, token).text("subject"))
        val messages = server.messages(id, token)
        assertEquals(listOf("See the screenshot.", ""), messages.map { it.text("body") })
        val attached = messages[1].getValue("attachments").jsonArray.single().jsonObject
        assertEquals("screenshot.png", attached.text("name"))
        assertEquals("image/png", attached.text("content_type"))
    }

    @Test
    fun `an attachment while offline keeps the form and creates nothing`() = coreTest {
        val ann = customer()
        val presenter = presenter(ann, TestPicker(listOf(png())))
        departmentsLoaded(presenter)
        presenter.fill(billing, "Error on checkout", "See the screenshot.")
        presenter.onEvent(NewTicketEvent.AddAttachments)
        presenter.state.probe().awaitMatching("the attachment picked") { it.attachments.size == 1 }
        server.stop()
        awaitOffline(ann)

        presenter.onEvent(NewTicketEvent.Submit)

        val failed = presenter.state.probe().awaitMatching("the upload failed") { !it.submitting && it.error != null }
        assertTrue(failed.error!!.startsWith("Couldn't upload the attachments: Can't reach the server."), failed.error)
        assertEquals("Error on checkout", failed.subject)
        assertEquals("See the screenshot.", failed.description)
        assertEquals(billing, failed.departmentId)
        assertEquals(listOf(0L), failed.attachments.map { it.sentBytes })
        assertEquals(emptyList(), ann.outbox())
        assertEquals(emptyList(), ann.ticketsFlow().probe().next("the cached list"))
        assertFalse(created.isCompleted)
    }
}
