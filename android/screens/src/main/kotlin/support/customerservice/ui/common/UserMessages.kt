package support.customerservice.ui.common

import support.customerservice.core.CallException
import support.customerservice.core.CoreException

/** What to tell the user about a failure: one sentence, no jargon. */
fun Throwable.userMessage(): String =
    when (this) {
        is CoreException.Offline -> "Can't reach the server. Check your connection and try again."
        is CoreException.Unauthorized -> "Your session is not valid. Sign in again."
        is CoreException.SignedOut -> "You were signed out. Sign in again; nothing you queued is lost."
        is CoreException.Forbidden -> "You're not allowed to do that (${reason.trimEnd('.')})."
        is CoreException.NotFound -> "That no longer exists (${reason.trimEnd('.')})."
        is CoreException.Conflict -> "Someone else changed this first. Review and try again."
        is CoreException.Invalid -> reason.replaceFirstChar { it.uppercase() }
        is CoreException.Server -> "The server had a problem. Try again in a moment."
        is CoreException.Storage -> "This device's storage failed: $reason"
        is CallException -> "The call failed: ${message ?: "unknown error"}"
        else -> message ?: "Something went wrong."
    }
