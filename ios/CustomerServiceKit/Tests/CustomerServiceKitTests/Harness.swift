import Foundation
import XCTest
@testable import CustomerServiceKit

/// A real server per test, and the cores of the people in it (each over its own cache directory).
class ServerTestCase: XCTestCase {
    var server: TestServer!
    private var dirs: [URL] = []
    private var cores: [CustomerServiceClient] = []

    override func setUp() async throws {
        server = try TestServer()
        try await server.start()
    }

    override func tearDown() async throws {
        cores.removeAll()
        server.close()
        dirs.forEach { try? FileManager.default.removeItem(at: $0) }
    }

    /// A new app: its own cache and session.
    func openCore() throws -> CustomerServiceClient {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        dirs.append(dir)
        let core = try CustomerServiceClient(serverURL: server.url, dataDir: dir.path, tokenStore: InMemoryTokenStore())
        cores.append(core)
        return core
    }

    /// A customer with an account, connected.
    func customer(_ name: String) async throws -> CustomerServiceClient {
        let core = try openCore()
        _ = try await core.register(email: "\(name.lowercased())@example.com", password: TestServer.password, name: name)
        _ = try await core.refreshDepartments()
        try await live(core)
        return core
    }

    /// A staff member of `department` (an agent, or `role`), signed in and connected.
    func staff(_ name: String, department: String, role: String = "agent") async throws -> CustomerServiceClient {
        let email = "\(name.lowercased())@staff.example"
        _ = try await server.createStaff(email: email, name: name, departmentId: department, role: role)
        let core = try openCore()
        _ = try await core.signIn(email: email, password: TestServer.password)
        try await live(core)
        return core
    }

    func live(_ core: CustomerServiceClient) async throws {
        _ = try await first(core.syncStates(), "a live connection") { $0 == .live }
    }
}

/// Call audio from the core's tone source, heard by its analyser.
struct ToneAudio: CallAudio {
    let hz: Double
    let heard = audioAnalyser()

    func device() throws -> AudioDevice {
        combinedDevice(source: toneSource(frequencyHz: hz, amplitude: 0.3), sinks: [heard.asDevice()])
    }
}

/// Call audio the user refused the microphone to.
struct RefusedAudio: CallAudio {
    func device() throws -> AudioDevice { throw TestError("opened without permission") }
    func requestMicrophone() async -> Bool { false }
}
