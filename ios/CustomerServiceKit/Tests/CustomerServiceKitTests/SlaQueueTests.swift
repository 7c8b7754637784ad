import XCTest
@testable import CustomerServiceKit

/// A supervisor sets the department's targets; the staff queue sorts by the one due soonest and narrows to those at
/// risk, each row saying when it is due.
final class SlaQueueTests: ServerTestCase {
    func testTheQueueSortsByDueTimeAndNarrowsToTicketsAtRisk() async throws {
        let billing = try await server.createDepartment("Billing")
        _ = try await server.createStaff(
            email: "sue@staff.example", name: "Sue", departmentId: billing, role: "supervisor")
        let sue = try openCore()
        _ = try await sue.signIn(email: "sue@staff.example", password: TestServer.password)
        // Around the clock: a normal ticket's first response is due within the hour (at risk at once), a high one's in
        // ten hours; low has no target.
        _ = try await sue.setSlaPolicy(
            departmentId: billing,
            policy: SlaPolicyInfo(
                timeZone: "UTC", hours: [], holidays: [],
                targets: [
                    SlaTargetItem(priority: .normal, firstResponseMinutes: 60, resolutionMinutes: nil),
                    SlaTargetItem(priority: .high, firstResponseMinutes: 600, resolutionMinutes: 2400),
                ]))
        let ann = try await customer("Ann")
        let card = try await ann.createTicket(departmentId: billing, subject: "Card declined", body: "Help.").id
        let refund = try await ann.createTicket(departmentId: billing, subject: "Refund", body: "Help.").id
        let invoice = try await ann.createTicket(departmentId: billing, subject: "Invoice", body: "Help.").id
        let ids = [card, refund, invoice]
        let bea = try await staff("Bea", department: billing)
        _ = try await first(bea.tickets(), "the queue cached") { list in
            ids.allSatisfy { id in list.contains { $0.id == id && $0.number != nil } }
        }
        for (id, priority) in [(refund, Priority.high), (invoice, Priority.low)] {
            try await bea.updateTicket(
                id, TicketChanges(status: nil, priority: priority, assigneeId: nil, unassign: false, departmentId: nil))
        }

        let queue = TicketListModel(core: bea, staff: true)
        defer { queue.close() }
        queue.send(.setSort(.due))
        let due = try await first(queue.states, "due soonest first") {
            $0.filter.sort == .due && $0.tickets.map(\.id) == [card, refund, invoice]
                && $0.tickets.allSatisfy { $0.sendState == .sent }
        }
        XCTAssertEqual(due.tickets.map(\.sla.state), [.atRisk, .onTrack, .none])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        XCTAssertEqual(slaLabel(due.tickets[0].sla, nowMs: now)?.hasPrefix("Due in "), true)
        XCTAssertNil(slaLabel(due.tickets[2].sla, nowMs: now))

        queue.send(.setSla(.atRisk))
        _ = try await first(queue.states, "only the ticket at risk") {
            $0.filter.sla == .atRisk && $0.tickets.map(\.id) == [card]
        }
        queue.send(.setSla(.breached))
        _ = try await first(queue.states, "none missed") { $0.filter.sla == .breached && $0.tickets.isEmpty }
    }

    func testDueSpansReadAsPeopleSayThem() {
        XCTAssertEqual(dueSpan(ms: 40 * 60_000), "40m")
        XCTAssertEqual(dueSpan(ms: 125 * 60_000 - 30_000), "2h 5m")
        XCTAssertEqual(dueSpan(ms: (3 * 1440 + 4 * 60) * 60_000), "3d 4h")
        XCTAssertEqual(dueSpan(ms: -5), "0m")
    }
}
