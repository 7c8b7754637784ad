import XCTest
@testable import CustomerServiceKit

/// The flows through the Swift layer, against a real server and other real cores.
final class FlowTests: ServerTestCase {
    func testOpeningATicketShowsInTheObservedList() async throws {
        let department = try await server.createDepartment("Billing")
        let ann = try await customer("Ann")
        let list = TicketListModel(core: ann, staff: false)
        _ = try await first(list.states, "the empty list") { !$0.loading && $0.tickets.isEmpty }

        let created = Signal<String>()
        let newTicket = NewTicketModel(core: ann) { created.send($0) }
        _ = try await first(newTicket.states, "the departments") { !$0.loadingDepartments }
        newTicket.send(.department(department))
        newTicket.send(.subject("Refund please"))
        newTicket.send(.body("I was charged twice."))
        newTicket.send(.submit)
        let id = try await created.value(within: 10)
        let shown = try await first(list.states, "the ticket in the list") { $0.tickets.contains { $0.id == id } }
        XCTAssertEqual(shown.tickets.first?.subject, "Refund please")
        list.close()
    }

    func testCustomerAndStaffChatBothWays() async throws {
        let department = try await server.createDepartment("Billing")
        let bea = try await staff("Bea", department: department)
        let ann = try await customer("Ann")
        let ticket = try await ann.createTicket(departmentId: department, subject: "No sound", body: "Calls are silent.")
        let me = try XCTUnwrap(ann.currentUser), staffMe = try XCTUnwrap(bea.currentUser)

        let customerScreen = ConversationModel(core: ann, ticketId: ticket.id, me: me, audio: ToneAudio(hz: 660))
        _ = try await first(bea.tickets(), "the ticket at Bea's") { $0.contains { $0.id == ticket.id } }
        let staffScreen = ConversationModel(core: bea, ticketId: ticket.id, me: staffMe, audio: ToneAudio(hz: 440))
        _ = try await first(staffScreen.states, "the ticket at Bea's") { $0.detail != nil }

        staffScreen.send(.composerChanged("Let me check"))
        _ = try await first(customerScreen.states, "Bea typing") { !$0.typing.isEmpty }
        staffScreen.send(.send)
        _ = try await first(customerScreen.states, "Bea's reply, and nobody typing") { s in
            s.typing.isEmpty && s.entries.contains { if case .message(let m, _) = $0 { m.body == "Let me check" } else { false } }
        }

        // The reply can reach Ann before Bea's send returns; the next one
        // waits for it, as the composer does.
        _ = try await first(staffScreen.states, "Bea's reply sent") { !$0.sending }

        // An internal note never reaches the customer.
        staffScreen.send(.toggleInternal)
        staffScreen.send(.composerChanged("Customer is on the old plan"))
        staffScreen.send(.send)
        customerScreen.send(.composerChanged("Thanks!"))
        customerScreen.send(.send)
        let atBea = try await first(staffScreen.states, "Ann's answer, read receipts") { s in
            s.entries.contains { if case .message(let m, _) = $0 { m.body == "Thanks!" } else { false } }
        }
        XCTAssertTrue(atBea.entries.contains { if case .message(let m, _) = $0 { m.internal } else { false } })
        let atAnn = try await first(customerScreen.states, "Ann's own message sent") { s in
            s.entries.contains { if case .message(let m, _) = $0 { m.body == "Thanks!" && m.sendState == .sent } else { false } }
        }
        XCTAssertFalse(atAnn.entries.contains { if case .message(let m, _) = $0 { m.internal } else { false } })
        customerScreen.close()
        staffScreen.close()
    }

    func testWritesMadeOfflineAreSentOnceWhenTheServerReturns() async throws {
        let department = try await server.createDepartment("Billing")
        let ann = try await customer("Ann")
        server.stop()
        _ = try await first(ann.syncStates(), "offline") { $0 == .offline }
        let ticket = try await ann.createTicket(departmentId: department, subject: "Written offline", body: "One")
        _ = try await ann.sendMessage(ticketId: ticket.id, body: "Two")
        _ = try await ann.sendMessage(ticketId: ticket.id, body: "Three")
        let outbox = OutboxModel(core: ann)
        let waiting = try await first(outbox.states, "three waiting") { !$0.loading && $0.waiting == 3 }
        XCTAssertEqual(waiting.refused, 0)

        try await server.start()
        ann.reconnectNow()
        _ = try await first(outbox.states, "the outbox drained") { !$0.loading && $0.items.isEmpty }
        let token = try await server.login("ann@example.com")
        let tickets = try await server.request("GET", "/v1/tickets", token: token)
        let onServer = (tickets["tickets"] as? [[String: Any]]) ?? []
        XCTAssertEqual(onServer.count, 1, "one ticket, not two: \(onServer)")
        let serverId = try XCTUnwrap(onServer.first?["id"] as? String)
        let messages = try await server.request("GET", "/v1/tickets/\(serverId)/messages", token: token)
        let bodies = ((messages["messages"] as? [[String: Any]]) ?? []).compactMap { $0["body"] as? String }
        XCTAssertEqual(bodies, ["One", "Two", "Three"])
        outbox.close()
    }

    func testACallBetweenTheSwiftClientAndAnotherCoreIsHeardBothWays() async throws {
        let department = try await server.createDepartment("Billing")
        let bea = try await staff("Bea", department: department)
        let ann = try await customer("Ann")
        let ticket = try await ann.createTicket(departmentId: department, subject: "Please call", body: "Now.")
        _ = try await first(bea.tickets(), "the ticket at Bea's") { $0.contains { $0.id == ticket.id } }

        let phone = ToneAudio(hz: 660), headset = ToneAudio(hz: 440)
        let annCalls = CallModel(core: ann, audio: phone, endedShowSeconds: 0.2)
        _ = try await bea.placeCall(ticketId: ticket.id, audio: try headset.device())
        let ringing = try await first(annCalls.states, "the incoming call") { $0.kind == .incoming }
        XCTAssertEqual(ringing.call?.callerName, "Bea")
        annCalls.send(.accept)
        _ = try await first(annCalls.states, "connected") { $0.call?.phase == .connected }
        let deadline = Date().addingTimeInterval(15)
        func near(_ hz: Double?, _ target: Double) -> Bool { hz.map { abs($0 - target) < 5 } ?? false }
        while !(near(phone.heard.report().dominantHz, 440) && near(headset.heard.report().dominantHz, 660)) {
            guard Date() < deadline else {
                return XCTFail("tones: phone heard \(phone.heard.report()), headset heard \(headset.heard.report())")
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        annCalls.send(.hangUp)
        let ended = try await first(annCalls.states, "the call over") { $0.ended || $0.call == nil }
        XCTAssertNotEqual(ended.kind, .incoming)
        annCalls.close()
    }

    func testACallWithoutTheMicrophoneSaysSoAndPlacesNothing() async throws {
        let department = try await server.createDepartment("Billing")
        let ann = try await customer("Ann")
        let ticket = try await ann.createTicket(departmentId: department, subject: "Please call", body: "Now.")
        let screen = ConversationModel(core: ann, ticketId: ticket.id, me: try XCTUnwrap(ann.currentUser), audio: RefusedAudio())
        screen.send(.call)
        let refused = try await first(screen.states, "the refusal") { $0.error != nil && !$0.placingCall }
        XCTAssertEqual(refused.error, CallAudioMessages.microphoneRefused)
        XCTAssertTrue(ann.client.calls().isEmpty)
        screen.close()
    }
}
