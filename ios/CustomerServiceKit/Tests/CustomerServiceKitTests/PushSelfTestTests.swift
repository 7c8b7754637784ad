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
