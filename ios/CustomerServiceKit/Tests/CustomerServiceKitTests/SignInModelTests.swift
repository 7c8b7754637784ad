import XCTest
@testable import CustomerServiceKit

final class SignInModelTests: XCTestCase {
    var server: TestServer!
    var core: CustomerServiceClient!
    var dataDir: URL!

    override func setUp() async throws {
        server = try TestServer()
        try await server.start()
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        core = try CustomerServiceClient(serverURL: server.url, dataDir: dataDir.path, tokenStore: InMemoryTokenStore())
    }

    override func tearDown() async throws {
        core = nil
        server.close()
        try? FileManager.default.removeItem(at: dataDir)
    }

    func testRegisteringThenSigningInWithAWrongPasswordSaysSo() async throws {
        let signedIn = Signal<UserInfo>()
        let model = SignInModel(core: core, serverURL: server.url) { signedIn.send($0) }
        model.send(.toggleMode)
        model.send(.emailChanged("ann@example.com"))
        model.send(.passwordChanged(TestServer.password))
        model.send(.nameChanged("Ann"))
        model.send(.submit)
        let user = try await signedIn.value(within: 20)
        XCTAssertEqual(user.name, "Ann")
        XCTAssertEqual(core.currentUser?.email, "ann@example.com")

        try await core.signOut()
        let again = SignInModel(core: core, serverURL: server.url) { _ in }
        again.send(.emailChanged("ann@example.com"))
        again.send(.passwordChanged("not the password"))
        again.send(.submit)
        let failed = try await first(again.states, "the refusal") { $0.error != nil }
        XCTAssertEqual(failed.error, "Wrong email or password.")
        XCTAssertFalse(failed.busy)
    }

    func testFieldsAreCheckedBeforeAnythingIsSent() async throws {
        let model = SignInModel(core: core, serverURL: server.url) { _ in XCTFail("must not sign in") }
        model.send(.toggleMode)
        model.send(.emailChanged("not-an-email"))
        model.send(.passwordChanged("short"))
        model.send(.submit)
        XCTAssertEqual(model.state.emailError, "Enter an email address like name@example.com")
        XCTAssertEqual(model.state.passwordError, "Use at least 8 characters")
        XCTAssertEqual(model.state.nameError, "Enter your name")
        XCTAssertFalse(model.state.busy)
    }

    func testAServerThatCannotBeReachedIsATypedErrorAndAReadableMessage() async throws {
        server.stop()
        do {
            _ = try await core.signIn(email: "ann@example.com", password: TestServer.password)
            XCTFail("signed in without a server")
        } catch CoreError.Offline {
            // expected: the typed error crosses the FFI as a Swift error
        }
        let model = SignInModel(core: core, serverURL: server.url) { _ in }
        model.send(.emailChanged("ann@example.com"))
        model.send(.passwordChanged(TestServer.password))
        model.send(.submit)
        let failed = try await first(model.states, "the refusal") { $0.error != nil }
        XCTAssertTrue(failed.error!.hasPrefix("Can't reach the server at \(server.url)"), failed.error!)
    }
}

/// One value handed over from a callback to a test.
final class Signal<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func send(_ value: T) { lock.withLock { self.value = value } }
    func value(within seconds: Double) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = lock.withLock({ value }) { return value }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestError("no value within \(seconds) s")
    }
}
