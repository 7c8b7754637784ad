import XCTest
@testable import CustomerServiceKit

/// The push self-test against a real server (which has no FCM credentials in tests) and a phone whose permission and
/// token the test sets.
final class PushSelfTestTests: ServerTestCase {
    struct Phone: PushDevice {
        var allowed = true
        var token: String? = "apns-token-of-this-phone"

        func notificationsAllowed() async -> Bool { allowed }
        func token() async throws -> String {
            guard let token else { throw TestError("no APNs token (the simulator has none)") }
            return token
        }
        func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> { AsyncStream { _ in } }
    }

    /// The PushKit side of the same iPhone: a VoIP token, no notification permission needed.
    struct VoipPhone: PushDevice {
        let platform: PushPlatform = .iosVoip
        func notificationsAllowed() async -> Bool { true }
        func token() async throws -> String { String(repeating: "ab", count: 32) }
        func testPushes() -> AsyncStream<(pushId: String, receivedAtMs: Int64)> { AsyncStream { _ in } }
    }

    func testTheVoipCheckRegistersAVoipTokenAndSaysWhenTheServerHasNoApnsKey() async throws {
        let ann = try await customer("Ann")
        let result = await PushSelfTest(device: VoipPhone(), core: ann).run()
        XCTAssertEqual(
            result, .failed(.server, "Calls cannot ring this iPhone while the app is closed: this server has no APNs key."))
        // Registered as a VoIP token: the server refuses a VoIP token that is not hex, so this one was taken as one.
        do {
            try await ann.registerPushToken("not-hex", platform: .iosVoip)
            XCTFail("a VoIP token that is not hex was accepted")
        } catch {}
        guard case .pushDisabled = try await ann.sendTestPush(String(repeating: "ab", count: 32)) else {
            return XCTFail("the VoIP token was not registered")
        }
    }

    func testArrivalsReachEveryListenerAndAListenerThatStopsIsForgotten() async throws {
        let arrivals = PushArrivals()
        let stream = arrivals.stream()
        let other = Task { () -> String? in
            for await push in arrivals.stream() { return push.pushId }
            return nil
        }
        for _ in 0..<100 where arrivals.listening < 2 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(arrivals.listening, 2)
        arrivals.arrived(pushId: "p1", receivedAtMs: 7)
        var iterator = stream.makeAsyncIterator()
        let got = await iterator.next()
        XCTAssertEqual(got?.pushId, "p1")
        XCTAssertEqual(got?.receivedAtMs, 7)
        let otherGot = await other.value
        XCTAssertEqual(otherGot, "p1")
        // The other listener's loop ended, and with it its stream: it is no longer fed.
        for _ in 0..<100 where arrivals.listening > 1 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(arrivals.listening, 1)
    }

    func testAServerWithoutPushSaysSoAfterRegisteringTheToken() async throws {
        let ann = try await customer("Ann")
        final class Steps: @unchecked Sendable { var seen: [PushCheckStep] = [] }
        let seen = Steps()
        let result = await PushSelfTest(device: Phone(), core: ann).run { seen.seen.append($0) }
        XCTAssertEqual(result, .failed(.server, "Push notifications are off on this server."))
        XCTAssertEqual(seen.seen, [.notifications, .token, .server])
        // The token was registered before the test was asked for: the server knows it now.
        guard case .pushDisabled = try await ann.sendTestPush("apns-token-of-this-phone") else {
            return XCTFail("the token was not registered")
        }
    }

    func testNotificationsOffOrNoTokenStopTheCheckThere() async throws {
        let ann = try await customer("Ann")
        let off = await PushSelfTest(device: Phone(allowed: false), core: ann).run()
        guard case .failed(.notifications, _) = off else { return XCTFail("\(off)") }
        let noToken = await PushSelfTest(device: Phone(token: nil), core: ann).run()
        guard case .failed(.token, let why) = noToken else { return XCTFail("\(noToken)") }
        XCTAssertTrue(why.contains("no APNs token"), why)
    }

    func testSignedOutIsAServerStepFailure() async throws {
        let core = try openCore()
        let result = await PushSelfTest(device: Phone(), core: core).run()
        XCTAssertEqual(result, .failed(.server, "You are signed out: sign in again."))
    }
}
