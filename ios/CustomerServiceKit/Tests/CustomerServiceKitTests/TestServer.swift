import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The real server as a child process, on a free port over a temporary data directory, as the Kotlin tests run it.
/// `CS_SERVER_BINARY` names it (scripts/test-swift sets it).
final class TestServer: @unchecked Sendable {
    static let adminEmail = "admin@test.example"
    static let password = "correct horse battery"

    let port: Int
    let url: String
    private let dataDir: URL
    private var pid: pid_t = 0

    init() throws {
        port = try TestServer.freePort()
        url = "http://127.0.0.1:\(port)"
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
    }

    /// Starts the server (again, over the same data) and waits for `/healthz`.
    func start() async throws {
        guard let binary = ProcessInfo.processInfo.environment["CS_SERVER_BINARY"] else {
            throw TestError("set CS_SERVER_BINARY to the server binary (scripts/test-swift does)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["CS_ADDR"] = "127.0.0.1:\(port)"
        environment["CS_DATA_DIR"] = dataDir.path
        environment["CS_ADMIN_EMAIL"] = TestServer.adminEmail
        environment["CS_ADMIN_PASSWORD"] = TestServer.password
        environment["NO_COLOR"] = "1"
        // The report job takes in changes every 100 ms, not every 5 s, so a test sees its tickets counted soon.
        environment["CS_REPORT_UPDATE_MS"] = "100"
        let log = dataDir.appendingPathComponent("server.log").path
        pid = try spawn(binary, environment: environment, log: log)
        let deadline = Date().addingTimeInterval(30)
        var lastError: Error?
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                throw TestError("the server exited; see \(log)")
            }
            do {
                try await request("GET", "/healthz")
                return
            } catch {
                lastError = error
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestError("the server was not healthy within 30 s (\(lastError.map { "\($0)" } ?? "")); see \(log)")
    }

    /// Stops it as an operator would (SIGTERM), killing it if it lingers (it waits for open sockets to close).
    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        pid = 0
    }

    func close() {
        stop()
        try? FileManager.default.removeItem(at: dataDir)
    }

    /// posix_spawn, not Foundation's Process: on Linux, `Process.waitUntilExit` spins a run loop that XCTest's async
    /// tests never let finish.
    private func spawn(_ path: String, environment: [String: String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // Dispatch's threads block most signals and a child inherits the mask: unblock them, or SIGTERM never arrives.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestError("posix_spawn \(path): \(String(cString: strerror(result)))") }
        return pid
    }

    // The HTTP API, for what tests do outside the Swift layer.

    func login(_ email: String, password: String = TestServer.password) async throws -> String {
        let answer = try await request("POST", "/v1/auth/login", body: ["email": email, "password": password])
        return try string(answer, "token")
    }

    /// A department made by the admin; returns its id.
    func createDepartment(_ name: String) async throws -> String {
        let admin = try await login(TestServer.adminEmail)
        return try string(try await request("POST", "/v1/departments", token: admin, body: ["name": name]), "id")
    }

    /// A staff account made by the admin; returns its id.
    func createStaff(email: String, name: String, departmentId: String, role: String = "agent") async throws -> String {
        let admin = try await login(TestServer.adminEmail)
        let body = ["email": email, "name": name, "password": TestServer.password, "role": role,
                    "department_id": departmentId]
        return try string(try await request("POST", "/v1/staff", token: admin, body: body), "id")
    }

    @discardableResult
    func request(_ method: String, _ path: String, token: String? = nil, body: [String: String]? = nil) async throws
        -> [String: Any]
    {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, response) = try await send(request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw TestError("\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
        }
        // Not every answer is a JSON object (`/healthz` says "ok").
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }

    /// The completion-handler API: on Linux, `URLSession.data(for:)` waits on the main queue, which XCTest's async
    /// tests do not run.
    private func send(_ request: URLRequest) async throws -> (Data, URLResponse?) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (data ?? Data(), response))
                }
            }.resume()
        }
    }

    private func string(_ object: [String: Any], _ key: String) throws -> String {
        guard let value = object[key] as? String else { throw TestError("no \(key) in \(object)") }
        return value
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw TestError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Waits for the first value of `stream` that satisfies `predicate`, failing after `seconds`.
func first<T: Sendable>(
    _ stream: AsyncStream<T>, within seconds: Double = 20, _ what: String, where predicate: @escaping @Sendable (T) -> Bool
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            for await value in stream where predicate(value) { return value }
            return nil
        }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else { throw TestError("timed out waiting for \(what)") }
        return value
    }
}
