package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import support.customerservice.core.SendState
import support.customerservice.core.TicketChanges
import support.customerservice.core.TicketStatus
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.conversation.ConversationEntry
import support.customerservice.ui.conversation.TicketEvent
import support.customerservice.ui.conversation.TicketPresenter

/** Once staff resolve a ticket, its customer is asked to rate it, once; staff see the rating. */
class RatingPresenterTest : ScreensTest() {

    @Test
    fun `the customer rates a resolved ticket once, and staff see the rating on the ticket and its timeline`() =
        coreTest {
            val ann = openCore("ann")
            val annUser = ann.registerCustomer("Ann")
            val ticket = sentTicket(ann, billing, "Printer", "It jams.")
            val bea = openCore("bea")
            val beaUser = bea.signIn(staff("Bea Agent"), TestServer.PASSWORD)
            awaitTicket(bea, ticket.id, "the ticket at Bea's") { true }

            val mine = TicketPresenter(ann, scope, ticket.id, annUser, TestPicker(), TestOpener(), TestAudio(440.0))
            val open = mine.state.probe().awaitMatching("the ticket loaded") { it.detail != null }
            assertFalse(open.canRate, "an open ticket is not rated")

            bea.updateTicket(ticket.id, TicketChanges(TicketStatus.RESOLVED, null, null, false, null))
            mine.state.probe().awaitMatching("the rating asked for") { it.canRate }

            // Nothing is sent without stars, and out-of-range scores are not taken.
            mine.onEvent(TicketEvent.RateScore(0))
            mine.onEvent(TicketEvent.SubmitRating)
            val refused = mine.state.probe().awaitMatching("stars asked for") { it.error != null }
            assertEquals("Choose from 1 to 5 stars", refused.error)
            assertNull(refused.ratingScore)

            mine.onEvent(TicketEvent.RateScore(4))
            mine.onEvent(TicketEvent.RatingComment("  Quick and friendly.  "))
            mine.onEvent(TicketEvent.SubmitRating)
            val rated =
                mine.state.probe().awaitMatching("the rating sent") { s ->
                    s.detail?.ticket?.let { it.rating != null && it.sendState == SendState.Sent } == true
                }
            assertFalse(rated.canRate, "asked only until it is given")
            assertNull(rated.ratingScore)
            assertEquals(4, rated.detail!!.ticket.rating!!.score.toInt())
            assertEquals("Quick and friendly.", rated.detail.ticket.rating!!.comment)

            val onServer = server.ticket(ticket.id, server.login(customerEmail("Ann"))).getValue("rating").jsonObject
            assertEquals(4, onServer.getValue("score").jsonPrimitive.int)

            val staffView =
                TicketPresenter(bea, scope, ticket.id, beaUser, TestPicker(), TestOpener(), TestAudio(440.0))
                    .state
                    .probe()
                    .awaitMatching("the rating at Bea's") { s ->
                        s.detail?.ticket?.rating != null &&
                            s.entries.filterIsInstance<ConversationEntry.Event>().any {
                                "rated the support 4/5" in it.item.description
                            }
                    }
            assertFalse(staffView.canRate, "staff do not rate")
            assertEquals(4, staffView.detail!!.ticket.rating!!.score.toInt())
            assertTrue(bea.outbox().isEmpty() && ann.outbox().isEmpty())
        }
}
