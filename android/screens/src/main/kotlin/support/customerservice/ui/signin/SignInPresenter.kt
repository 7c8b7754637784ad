package support.customerservice.ui.signin

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.UserInfo
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

enum class SignInMode {
    SIGN_IN,
    REGISTER,
}

data class SignInState(
    val mode: SignInMode = SignInMode.SIGN_IN,
    val email: String = "",
    val password: String = "",
    val name: String = "",
    val busy: Boolean = false,
    /** Why the last attempt failed, ready to show. */
    val error: String? = null,
    /** Per field: what to fix before submitting (shown under the field). */
    val emailError: String? = null,
    val passwordError: String? = null,
    val nameError: String? = null,
    val serverUrl: String = "",
) {
    val canSubmit: Boolean
        get() =
            !busy && email.isNotBlank() && password.isNotEmpty() && (mode == SignInMode.SIGN_IN || name.isNotBlank())
}

sealed interface SignInEvent {
    data class EmailChanged(val value: String) : SignInEvent

    data class PasswordChanged(val value: String) : SignInEvent

    data class NameChanged(val value: String) : SignInEvent

    data object ToggleMode : SignInEvent

    data object Submit : SignInEvent
}

/** Limits the server applies, checked here first so the user hears at once. */
object AccountLimits {
    const val MIN_PASSWORD = 8
    const val MAX_PASSWORD = 256
    const val MAX_NAME = 100
    const val MAX_EMAIL = 254

    fun emailProblem(email: String): String? {
        val e = email.trim()
        val at = e.indexOf('@')
        val domain = if (at > 0) e.substring(at + 1) else ""
        val ok =
            e.length <= MAX_EMAIL &&
                at > 0 &&
                e.none { it.isWhitespace() } &&
                domain.contains('.') &&
                !domain.startsWith('.') &&
                !domain.endsWith('.') &&
                !domain.contains('@')
        return if (ok) null else "Enter an email address like name@example.com"
    }

    fun passwordProblem(password: String): String? =
        when {
            password.length < MIN_PASSWORD -> "Use at least $MIN_PASSWORD characters"
            password.length > MAX_PASSWORD -> "Use at most $MAX_PASSWORD characters"
            else -> null
        }

    fun nameProblem(name: String): String? =
        when {
            name.isBlank() -> "Enter your name"
            name.trim().length > MAX_NAME -> "Use at most $MAX_NAME characters"
            else -> null
        }
}

/** Sign in, or register a customer account. [onSignedIn] gets the user. */
class SignInPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    serverUrl: String,
    private val onSignedIn: (UserInfo) -> Unit,
) : Presenter<SignInState, SignInEvent>(SignInState(serverUrl = serverUrl), scope) {

    override fun onEvent(event: SignInEvent) {
        when (event) {
            is SignInEvent.EmailChanged -> setState { copy(email = event.value, emailError = null, error = null) }
            is SignInEvent.PasswordChanged ->
                setState { copy(password = event.value, passwordError = null, error = null) }
            is SignInEvent.NameChanged -> setState { copy(name = event.value, nameError = null, error = null) }
            SignInEvent.ToggleMode ->
                setState {
                    copy(
                        mode = if (mode == SignInMode.SIGN_IN) SignInMode.REGISTER else SignInMode.SIGN_IN,
                        error = null,
                        emailError = null,
                        passwordError = null,
                        nameError = null,
                    )
                }
            SignInEvent.Submit -> submit()
        }
    }

    private fun submit() {
        val s = current
        if (s.busy) return
        val register = s.mode == SignInMode.REGISTER
        val emailError = AccountLimits.emailProblem(s.email)
        val passwordError =
            if (register) AccountLimits.passwordProblem(s.password)
            else if (s.password.isEmpty()) "Enter your password" else null
        val nameError = if (register) AccountLimits.nameProblem(s.name) else null
        if (emailError != null || passwordError != null || nameError != null) {
            setState { copy(emailError = emailError, passwordError = passwordError, nameError = nameError) }
            return
        }
        setState { copy(busy = true, error = null) }
        scope.launch {
            try {
                val email = s.email.trim()
                val user =
                    if (register) core.register(email, s.password, s.name.trim()) else core.signIn(email, s.password)
                setState { copy(busy = false, password = "") }
                onSignedIn(user)
            } catch (e: CoreException) {
                setState { copy(busy = false, error = messageFor(e, register)) }
            }
        }
    }

    private fun messageFor(e: CoreException, register: Boolean): String =
        when (e) {
            is CoreException.Unauthorized -> "Wrong email or password."
            is CoreException.Offline ->
                "Can't reach the server at ${current.serverUrl}. Check your connection and try again."
            is CoreException.Conflict ->
                if (register) "An account with this email already exists. Sign in instead." else e.userMessage()
            is CoreException.Forbidden -> "This account can't sign in (${e.reason.trimEnd('.')})."
            else -> e.userMessage()
        }
}
