import XCTest
@testable import CustomerServiceKit

/// Once staff resolve a ticket, its customer is asked to rate it, once; staff see the rating on the ticket.
final class RatingTests: ServerTestCase {
    func testTheCustomerRatesAResolvedTicketOnceAndStaffSeeIt() async throws {
        let billing = try await server.createDepartment("Billing")
        let bea = try await staff("Bea", department: billing)
        let ann = try await customer("Ann")
        let ticket = try await ann.createTicket(departmentId: billing, subject: "Printer", body: "It jams.")
        let me = try XCTUnwrap(ann.currentUser), staffMe = try XCTUnwrap(bea.currentUser)
        _ = try await first(bea.tickets(), "the ticket at Bea's") { $0.contains { $0.id == ticket.id && $0.number != nil } }

        let screen = ConversationModel(core: ann, ticketId: ticket.id, me: me, audio: RefusedAudio())
        let open = try await first(screen.states, "the ticket loaded") { $0.detail != nil }
        XCTAssertFalse(open.canRate, "an open ticket is not rated")

        try await bea.updateTicket(
            ticket.id, TicketChanges(status: .resolved, priority: nil, assigneeId: nil, unassign: false, departmentId: nil))
        _ = try await first(screen.states, "the rating asked for") { $0.canRate }

        // Nothing is sent without stars, and out-of-range scores are not taken.
        screen.send(.rateScore(6))
        screen.send(.submitRating)
        let refused = try await first(screen.states, "stars asked for") { $0.error != nil }
        XCTAssertEqual(refused.error, "Choose from 1 to 5 stars")
        XCTAssertNil(refused.ratingScore)

        screen.send(.rateScore(5))
        screen.send(.ratingComment("  Sorted in minutes. "))
        screen.send(.submitRating)
        let rated = try await first(screen.states, "the rating sent") {
            $0.detail?.ticket.rating != nil && $0.detail?.ticket.sendState == .sent
        }
        XCTAssertFalse(rated.canRate, "asked only until it is given")
        XCTAssertEqual(rated.detail?.ticket.rating?.score, 5)
        XCTAssertEqual(rated.detail?.ticket.rating?.comment, "Sorted in minutes.")

        // Rating again is refused by the core (the server would say the same).
        do {
            try await ann.rateTicket(ticket.id, score: 1, comment: nil)
            XCTFail("a second rating was taken")
        } catch {}

        let staffScreen = ConversationModel(core: bea, ticketId: ticket.id, me: staffMe, audio: RefusedAudio())
        let atBea = try await first(staffScreen.states, "the rating at Bea's") { s in
            s.detail?.ticket.rating?.score == 5
                && s.entries.contains { if case .change(let t) = $0 { t.description.contains("rated the support 5/5") } else { false } }
        }
        XCTAssertFalse(atBea.canRate, "staff do not rate")
        screen.close()
        staffScreen.close()
    }
}
