import XCTest
@testable import CustomerServiceKit

final class PushRouterTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    lazy var router = PushRouter(now: { [now] in now })

    func incoming(_ pushId: String = "p1", call: String = "c1", deadlineIn seconds: Double? = 30) -> PushAction {
        .incomingCall(
            pushId: pushId, callId: call, ticketId: "t1", callerName: "Bea", ticketSubject: "No sound",
            ringDeadlineMs: seconds.map { Int64((now.timeIntervalSince1970 + $0) * 1000) })
    }

    func testAPushPayloadParsesIntoItsActionThroughTheCore() throws {
        let id = UUID().uuidString.lowercased()
        let action = try parsePush(data: [
            "type": "incoming_call", "push_id": "p1", "call_id": id, "ticket_id": id, "ticket_number": "42",
            "ticket_subject": "No sound", "caller_id": id, "caller_name": "Bea", "created_at": "2026-11-24T15:00:00Z",
            "ring_deadline": "2026-11-24T15:00:30Z",
        ])
        XCTAssertEqual(
            action,
            .incomingCall(
                pushId: "p1", callId: id, ticketId: id, callerName: "Bea", ticketSubject: "No sound",
                ringDeadlineMs: 1_795_532_430_000))
        XCTAssertThrowsError(try parsePush(data: ["type": "promo"])) { error in
            guard case CoreError.Invalid = error else { return XCTFail("\(error)") }
        }
    }

    func testAnIncomingCallRingsUntilItsDeadline() {
        XCTAssertEqual(
            router.decide(incoming(deadlineIn: 25), calls: []),
            .ring(IncomingCall(callId: "c1", ticketId: "t1", callerName: "Bea", ticketSubject: "No sound"), ringFor: 25))
    }

    func testAStaleVoIPPushIsStillReportedToCallKitAndEndedAtOnce() {
        let late = router.decide(incoming(deadlineIn: -3), calls: [], voip: true)
        guard case .reportAndEnd(_, let why) = late else { return XCTFail("\(late)") }
        XCTAssertTrue(why.contains("rang out"), why)
        // The same through a normal push is simply dropped.
        XCTAssertEqual(router.decide(incoming("p2", deadlineIn: -3), calls: []), .ignore("the call rang out before its push arrived"))
    }

    func testARepeatedPushOrOneAfterStopRingingDoesNotRing() {
        _ = router.decide(incoming(), calls: [])
        guard case .reportAndEnd = router.decide(incoming(), calls: [], voip: true) else { return XCTFail() }
        XCTAssertEqual(
            router.decide(.stopRinging(pushId: "p9", callId: "c2", reason: "cancelled"), calls: []),
            .stopRinging(callId: "c2", reason: "cancelled"))
        guard case .ignore = router.decide(incoming("p3", call: "c2"), calls: []) else { return XCTFail() }
    }

    func testACallTheCoreShowsAnsweredDoesNotRing() {
        let answered = CallInfo(
            id: "c1", ticketId: "t1", direction: .incoming, phase: .connected, callerName: "Bea", ticketSubject: nil,
            muted: false)
        guard case .ignore = router.decide(incoming(), calls: [answered]) else { return XCTFail() }
    }

    func testMessagesRatingRequestsAndTheSelfTestPassThrough() {
        XCTAssertEqual(
            router.decide(.showMessage(pushId: "m1", ticketId: "t1", messageId: "x"), calls: []),
            .notifyMessage(ticketId: "t1", messageId: "x"))
        XCTAssertEqual(
            router.decide(.askRating(pushId: "r1", ticketId: "t1"), calls: []), .askRating(ticketId: "t1"))
        guard case .ignore = router.decide(.askRating(pushId: "r1", ticketId: "t1"), calls: []) else {
            return XCTFail("a repeated rating request is shown once")
        }
        XCTAssertEqual(
            router.decide(
                .slaBreach(pushId: "b1", ticketId: "t1", ticketNumber: 1005, target: "first_response"), calls: []),
            .notifySlaBreach(ticketId: "t1", ticketNumber: 1005, target: "first_response"))
        XCTAssertEqual(
            router.decide(.test(pushId: "s1", sentAtMs: 1_799_999_999_900), calls: []),
            .testArrived(pushId: "s1", sentAtMs: 1_799_999_999_900, receivedAtMs: 1_800_000_000_000))
    }
}
