import XCTest
@testable import CustomerServiceKit

/// Canned replies from the Swift client: a supervisor writes them, an agent's composer finds one by title and inserts
/// it filled in for the ticket, after what the agent already wrote.
final class CannedReplyTests: ServerTestCase {
    func testTheComposersPickerInsertsAReplyFilledInForTheTicket() async throws {
        let department = try await server.createDepartment("Billing")
        let sueEmail = "sue@staff.example"
        _ = try await server.createStaff(email: sueEmail, name: "Sue", departmentId: department, role: "supervisor")
        let sue = try openCore()
        _ = try await sue.signIn(email: sueEmail, password: TestServer.password)
        _ = try await sue.createCannedReply(
            departmentId: nil, title: "Refund issued", body: "Hi {customer_name}, #{ticket_number} is refunded. {agent_name}")
        _ = try await sue.createCannedReply(departmentId: nil, title: "Goodbye", body: "Bye!")
        do {
            _ = try await sue.createCannedReply(departmentId: nil, title: "Typo", body: "Dear {custmer_name}")
            XCTFail("a misspelt placeholder was accepted")
        } catch CoreError.Invalid(let message) {
            XCTAssertTrue(message.contains("{custmer_name}"), message)
        }

        let ann = try await customer("Ann")
        let ticket = try await ann.createTicket(departmentId: department, subject: "Refund", body: "Charged twice")
        let bea = try await staff("Bea", department: department)
        let me = try XCTUnwrap(bea.currentUser)
        let sent = try await first(bea.tickets(), "the numbered ticket at Bea's") { list in
            list.contains { $0.id == ticket.id && $0.number != nil && $0.customerName == "Ann" }
        }
        let number = try XCTUnwrap(sent.first { $0.id == ticket.id }?.number)
        let screen = ConversationModel(core: bea, ticketId: ticket.id, me: me, audio: ToneAudio(hz: 440))
        _ = try await first(screen.states, "the ticket") { $0.detail != nil }

        screen.send(.composerChanged("Sorry for the wait.  "))
        screen.send(.showCanned(true))
        let open = try await first(screen.states, "the picker with both") { $0.canned?.replies.count == 2 }
        XCTAssertEqual(open.canned?.replies.map(\.title), ["Goodbye", "Refund issued"])
        screen.send(.cannedQuery("REF"))
        let found = try await first(screen.states, "the search") { $0.canned?.query == "REF" && $0.canned?.replies.count == 1 }
        screen.send(.pickCanned(try XCTUnwrap(found.canned?.replies.first?.id)))
        let filled = try await first(screen.states, "inserted") { $0.canned == nil && $0.composer.contains("Hi") }
        XCTAssertEqual(filled.composer, "Sorry for the wait.\n\nHi Ann, #\(number) is refunded. Bea")

        // A customer's screen has no picker.
        let annScreen = ConversationModel(core: ann, ticketId: ticket.id, me: try XCTUnwrap(ann.currentUser), audio: ToneAudio(hz: 660))
        annScreen.send(.showCanned(true))
        XCTAssertNil(annScreen.state.canned)
        screen.close()
        annScreen.close()
    }
}
