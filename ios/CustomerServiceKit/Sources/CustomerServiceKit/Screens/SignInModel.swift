import CustomerServiceCore

public enum SignInMode: Sendable { case signIn, register }

public struct SignInState: Equatable, Sendable {
    public var mode: SignInMode = .signIn
    public var email = ""
    public var password = ""
    public var name = ""
    public var busy = false
    /// Why the last attempt failed, ready to show.
    public var error: String?
    /// Per field: what to fix before submitting.
    public var emailError: String?
    public var passwordError: String?
    public var nameError: String?
    public var serverURL: String

    public var canSubmit: Bool {
        !busy && !email.trimmingCharacters(in: .whitespaces).isEmpty && !password.isEmpty
            && (mode == .signIn || !name.trimmingCharacters(in: .whitespaces).isEmpty)
    }
}

public enum SignInEvent: Sendable {
    case emailChanged(String), passwordChanged(String), nameChanged(String), toggleMode, submit
}

/// The limits the server applies, checked here first so the user hears at once.
public enum AccountLimits {
    public static let minPassword = 8, maxPassword = 256, maxName = 100, maxEmail = 254

    public static func emailProblem(_ email: String) -> String? {
        let e = email.trimmingCharacters(in: .whitespaces)
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        let ok =
            e.count <= maxEmail && parts.count == 2 && !parts[0].isEmpty && !e.contains(where: \.isWhitespace)
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
        return ok ? nil : "Enter an email address like name@example.com"
    }

    public static func passwordProblem(_ password: String) -> String? {
        if password.count < minPassword { return "Use at least \(minPassword) characters" }
        if password.count > maxPassword { return "Use at most \(maxPassword) characters" }
        return nil
    }

    public static func nameProblem(_ name: String) -> String? {
        let n = name.trimmingCharacters(in: .whitespaces)
        if n.isEmpty { return "Enter your name" }
        if n.count > maxName { return "Use at most \(maxName) characters" }
        return nil
    }
}

/// Sign in, or register a customer account; `onSignedIn` gets the user.
public final class SignInModel: StateHolder<SignInState>, @unchecked Sendable {
    private let core: CustomerServiceClient
    private let onSignedIn: @Sendable (UserInfo) -> Void

    public init(core: CustomerServiceClient, serverURL: String, onSignedIn: @escaping @Sendable (UserInfo) -> Void) {
        self.core = core
        self.onSignedIn = onSignedIn
        super.init(SignInState(serverURL: serverURL))
    }

    public func send(_ event: SignInEvent) {
        switch event {
        case .emailChanged(let value): update { $0.email = value; $0.emailError = nil; $0.error = nil }
        case .passwordChanged(let value): update { $0.password = value; $0.passwordError = nil; $0.error = nil }
        case .nameChanged(let value): update { $0.name = value; $0.nameError = nil; $0.error = nil }
        case .toggleMode:
            update {
                $0.mode = $0.mode == .signIn ? .register : .signIn
                $0.error = nil; $0.emailError = nil; $0.passwordError = nil; $0.nameError = nil
            }
        case .submit: submit()
        }
    }

    private func submit() {
        let s = state
        guard !s.busy else { return }
        let register = s.mode == .register
        let emailError = AccountLimits.emailProblem(s.email)
        let passwordError =
            register ? AccountLimits.passwordProblem(s.password) : (s.password.isEmpty ? "Enter your password" : nil)
        let nameError = register ? AccountLimits.nameProblem(s.name) : nil
        if emailError != nil || passwordError != nil || nameError != nil {
            update { $0.emailError = emailError; $0.passwordError = passwordError; $0.nameError = nameError }
            return
        }
        update { $0.busy = true; $0.error = nil }
        launch { [core, onSignedIn] in
            do {
                let email = s.email.trimmingCharacters(in: .whitespaces)
                let user =
                    register
                    ? try await core.register(
                        email: email, password: s.password, name: s.name.trimmingCharacters(in: .whitespaces))
                    : try await core.signIn(email: email, password: s.password)
                self.update { $0.busy = false; $0.password = "" }
                onSignedIn(user)
            } catch {
                let message = self.message(for: error, register: register)
                self.update { $0.busy = false; $0.error = message }
            }
        }
    }

    private func message(for error: Error, register: Bool) -> String {
        switch error {
        case CoreError.Unauthorized: return "Wrong email or password."
        case CoreError.Offline:
            return "Can't reach the server at \(state.serverURL). Check your connection and try again."
        case CoreError.Conflict where register: return "An account with this email already exists. Sign in instead."
        case CoreError.Forbidden(let message): return "This account can't sign in (\(message))."
        default: return userMessage(error)
        }
    }
}
