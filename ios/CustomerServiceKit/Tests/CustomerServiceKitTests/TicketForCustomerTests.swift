import XCTest
@testable import CustomerServiceKit

/// Staff open a ticket for a customer who phoned in: a known customer by email, an unknown one invited by name, whose
/// one-time link (no mail relay here) is shown to pass on and signs them in to the ticket.
final class TicketForCustomerTests: ServerTestCase {
    func testAnAgentFindsAKnownCustomerAndInvitesAnUnknownOne() async throws {
        let billing = try await server.createDepartment("Billing")
        _ = try await server.createDepartment("Technical support")
        let ann = try await customer("Ann")
        let bea = try await staff("Bea", department: billing)
        let me = try XCTUnwrap(bea.currentUser)
        let created = Created()

        // A known customer: found by email, the ticket in the agent's own (only offered) department.
        let form = NewTicketModel(core: bea, staff: me) { created.add($0) }
        let loaded = try await first(form.states, "the department") { !$0.loadingDepartments && $0.departmentId != nil }
        XCTAssertEqual(loaded.departments.map(\.id), [billing])
        form.send(.customerEmail(" ANN@example.com"))
        form.send(.findCustomer)
        _ = try await first(form.states, "Ann found") { if case .found = $0.customer?.lookup { true } else { false } }
        form.send(.subject("Charged twice"))
        form.send(.body("Phoned in."))
        form.send(.submit)
        let annTicket = try await first(created.ids, "the ticket opened") { _ in true }
        _ = try await first(ann.tickets(), "Ann sees it") { $0.contains { $0.id == annTicket && $0.number != nil } }

        // An unknown email: submitting asks for the name first, then invites and shows the link.
        form.send(.customerEmail("cara@example.com"))
        form.send(.subject("Router will not start"))
        form.send(.body("Phoned in: the light stays red."))
        form.send(.submit)
        let asked = try await first(form.states, "the name asked for") { $0.customer?.nameError != nil }
        XCTAssertEqual(asked.customer?.lookup, .unknown)
        form.send(.customerName("Cara Diaz"))
        form.send(.submit)
        let shown = try await first(form.states, "the link to pass on") { $0.passOnLink != nil }
        let passOn = try XCTUnwrap(shown.passOnLink)
        XCTAssertFalse(passOn.invite.emailed)
        let link = try XCTUnwrap(passOn.invite.signInLink)
        form.send(.openCreatedTicket)
        let caraTicket = try await first(created.ids, "Cara's ticket opened") { $0 == passOn.ticketId }

        let cara = try openCore()
        let user = try await cara.signInWithLink(link)
        XCTAssertEqual(user.name, "Cara Diaz")
        let list = try await first(cara.tickets(), "Cara's ticket") { $0.contains { $0.id == caraTicket } }
        XCTAssertEqual(list.map(\.subject), ["Router will not start"])
        form.close()
    }

    func testAMalformedEmailIsRefusedOnTheForm() async throws {
        _ = try await server.createDepartment("Billing")
        XCTAssertEqual(emailProblem("ann at example"), "This is not an email address")
        XCTAssertEqual(emailProblem(""), "Enter the customer's email")
        XCTAssertNil(emailProblem("ann@example.com"))
        let ann = try await customer("Ann")
        XCTAssertNil(NewTicketModel(core: ann) { _ in }.state.customer, "a customer's own form asks for no customer")
    }
}

/// The ids `onCreated` hands out, as a stream.
private final class Created: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []
    private var continuations: [AsyncStream<String>.Continuation] = []

    func add(_ id: String) {
        let waiting = lock.withLock {
            seen.append(id)
            return continuations
        }
        waiting.forEach { $0.yield(id) }
    }

    /// The ids from now on (the ones seen before first).
    var ids: AsyncStream<String> {
        AsyncStream { continuation in
            let past = lock.withLock {
                continuations.append(continuation)
                return seen
            }
            past.forEach { continuation.yield($0) }
        }
    }
}
