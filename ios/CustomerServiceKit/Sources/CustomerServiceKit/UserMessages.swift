import CustomerServiceCore

/// What to tell the user about a failure: one sentence, no jargon (the Android screens say the same).
public func userMessage(_ error: Error) -> String {
    func trimmed(_ text: String) -> String { text.hasSuffix(".") ? String(text.dropLast()) : text }
    switch error {
    case CoreError.Offline: return "Can't reach the server. Check your connection and try again."
    case CoreError.Unauthorized: return "Your session is not valid. Sign in again."
    case CoreError.SignedOut: return "You were signed out. Sign in again; nothing you queued is lost."
    case CoreError.Forbidden(let message): return "You're not allowed to do that (\(trimmed(message)))."
    case CoreError.NotFound(let message): return "That no longer exists (\(trimmed(message)))."
    case CoreError.Conflict: return "Someone else changed this first. Review and try again."
    case CoreError.Invalid(let message): return message.prefix(1).uppercased() + message.dropFirst()
    case CoreError.Server: return "The server had a problem. Try again in a moment."
    case CoreError.Storage(let message): return "This device's storage failed: \(message)"
    case let error as CallError: return "The call failed: \(error)"
    default: return "Something went wrong: \(error)"
    }
}
