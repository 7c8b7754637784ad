package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CompletableDeferred
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.newticket.CustomerLookup
import support.customerservice.ui.newticket.NewTicketEvent
import support.customerservice.ui.newticket.NewTicketPresenter

/** Staff open a ticket for a customer who phoned or wrote elsewhere: found by email, or invited when unknown. */
class NewTicketForCustomerPresenterTest : ScreensTest() {

    private val created = CompletableDeferred<String>()

    private suspend fun CoreTest.agent(): Pair<CustomerServiceCore, NewTicketPresenter> {
        val core = openCore("bob")
        val me: UserInfo = core.signIn(staff("Bob Agent"), TestServer.PASSWORD)
        val p = NewTicketPresenter(core, scope, TestPicker(), staff = me) { created.complete(it) }
        p.state.probe().awaitMatching("the department") { !it.loadingDepartments && it.departmentId != null }
        return core to p
    }

    private fun NewTicketPresenter.describe(subject: String) {
        onEvent(NewTicketEvent.SubjectChanged(subject))
        onEvent(NewTicketEvent.DescriptionChanged("Phoned in: $subject."))
    }

    @Test
    fun `an agent finds a customer by email and opens a ticket in their own department that the customer sees`() =
        coreTest {
            val ann = openCore("ann")
            val annUser = ann.registerCustomer("Ann Lee")
            val (_, p) = agent()
            // Only the agent's own department is offered, and it is chosen.
            assertEquals(listOf(billing), p.state.value.departments.map { it.id })
            assertEquals(billing, p.state.value.departmentId)

            p.onEvent(NewTicketEvent.CustomerEmailChanged("  Ann.Lee@Customer.example "))
            p.onEvent(NewTicketEvent.FindCustomer)
            val found = p.state.probe().awaitMatching("Ann found") { it.customer?.lookup is CustomerLookup.Found }
            assertEquals(annUser.id, (found.customer?.lookup as CustomerLookup.Found).customer.id)

            p.describe("Card charged twice")
            p.onEvent(NewTicketEvent.Submit)
            val ticketId = created.await()
            assertNull(p.state.value.passOnLink)

            val seen = awaitTicket(ann, ticketId, "Ann's copy of the ticket") { it.ticket.number != null }
            assertEquals("Card charged twice", seen.ticket.subject)
            assertEquals(billing, seen.ticket.departmentId)
            assertEquals(annUser.id, seen.ticket.customerId)
        }

    @Test
    fun `an unknown email asks for a name, invites the customer, shows the link, and the link signs them in`() =
        coreTest {
            val (_, p) = agent()
            p.onEvent(NewTicketEvent.CustomerEmailChanged("cara@customer.example"))
            p.describe("Router will not start")
            // Submitting with an email nobody has stops for the name instead of inviting a nameless customer.
            p.onEvent(NewTicketEvent.Submit)
            val asked = p.state.probe().awaitMatching("the name asked for") { it.customer?.nameError != null }
            assertEquals(CustomerLookup.Unknown, asked.customer?.lookup)
            assertTrue(asked.customer!!.needsName)
            assertTrue(!created.isCompleted)

            p.onEvent(NewTicketEvent.CustomerNameChanged("Cara Diaz"))
            p.onEvent(NewTicketEvent.Submit)
            // No mail relay on the test server: the link is shown to pass on, and the ticket waits behind it.
            val shown = p.state.probe().awaitMatching("the link to pass on") { it.passOnLink != null }.passOnLink!!
            assertEquals("Cara Diaz", shown.invite.customer.name)
            assertEquals(false, shown.invite.emailed)
            val link = assertNotNull(shown.invite.signInLink)
            assertTrue(link.startsWith("customerservice://sign-in?token="), link)
            assertTrue(!created.isCompleted)
            // Submitting again from the panel opens nothing twice.
            p.onEvent(NewTicketEvent.Submit)
            p.onEvent(NewTicketEvent.OpenCreatedTicket)
            assertEquals(shown.ticketId, created.await())
            assertNull(p.state.value.passOnLink)
            assertEquals("", p.state.value.customer?.email)

            val cara = openCore("cara")
            assertEquals("Cara Diaz", cara.signInWithLink(link).name)
            val seen = awaitTicket(cara, shown.ticketId, "Cara's ticket") { it.ticket.number != null }
            assertEquals("Router will not start", seen.ticket.subject)
        }

    @Test
    fun `a malformed email is refused on the form without asking the server`() = coreTest {
        val (_, p) = agent()
        p.onEvent(NewTicketEvent.CustomerEmailChanged("ann at example"))
        p.onEvent(NewTicketEvent.FindCustomer)
        val refused = p.state.probe().awaitMatching("the email refused") { it.customer?.emailError != null }
        assertEquals("This is not an email address", refused.customer?.emailError)
        assertEquals(CustomerLookup.NotLooked, refused.customer?.lookup)

        p.describe("Anything")
        p.onEvent(NewTicketEvent.CustomerEmailChanged(""))
        p.onEvent(NewTicketEvent.Submit)
        val empty = p.state.probe().awaitMatching("the email asked for") { it.customer?.emailError != null }
        assertEquals("Enter the customer's email", empty.customer?.emailError)
        assertEquals(false, empty.submitting)
    }

    @Test
    fun `a customer's own form has no customer section`() = coreTest {
        val ann = openCore("ann")
        ann.registerCustomer("Ann")
        val p = NewTicketPresenter(ann, scope, TestPicker()) {}
        assertNull(p.state.value.customer)
    }
}
