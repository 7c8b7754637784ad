import CustomerServiceCore
import Foundation

/// A session token kept in memory, for tests and previews. The app keeps it in the Keychain (`KeychainTokenStore`,
/// in the Xcode project); the core calls these from its own threads.
public final class InMemoryTokenStore: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var token: String?

    public init(_ token: String? = nil) { self.token = token }

    public func load() -> String? { lock.withLock { token } }
    public func save(token: String) { lock.withLock { self.token = token } }
    public func clear() { lock.withLock { token = nil } }
}
