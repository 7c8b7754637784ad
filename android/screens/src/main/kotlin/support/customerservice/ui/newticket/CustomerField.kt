package support.customerservice.ui.newticket

import support.customerservice.core.CustomerInfo
import support.customerservice.core.CustomerInviteInfo

/** Whether the email a staff member typed belongs to a customer, as far as the server has said. */
sealed interface CustomerLookup {
    /** Not asked yet (or the email changed since). */
    data object NotLooked : CustomerLookup

    data object Looking : CustomerLookup

    /** A customer has this email; [invite] when this form invited them (kept until their ticket is open). */
    data class Found(val customer: CustomerInfo, val invite: CustomerInviteInfo? = null) : CustomerLookup

    /** No account has this email: the customer is invited, by the name staff enter. */
    data object Unknown : CustomerLookup
}

/** Who a staff member opens the ticket for: a customer found by email, or one to invite when unknown. */
data class CustomerField(
    val email: String = "",
    val name: String = "",
    val lookup: CustomerLookup = CustomerLookup.NotLooked,
    val emailError: String? = null,
    val nameError: String? = null,
) {
    /** The name field shows only when the customer has to be invited. */
    val needsName: Boolean
        get() = lookup == CustomerLookup.Unknown
}

/**
 * The ticket is open and the customer was invited without the link being emailed: staff pass it on (by phone, SMS…)
 * before going to the ticket.
 */
data class PassOnLink(val ticketId: String, val invite: CustomerInviteInfo)

/** The server's limits on a customer's name and email (server/src/validate.rs). */
object CustomerLimits {
    const val MAX_NAME = 100
    const val MAX_EMAIL = 254
}

/** A readable reason the email cannot be sent to the server, or null when it looks like one. */
fun emailProblem(email: String): String? =
    when {
        email.isEmpty() -> "Enter the customer's email"
        email.length > CustomerLimits.MAX_EMAIL -> "Use at most ${CustomerLimits.MAX_EMAIL} characters"
        !EMAIL.matches(email) -> "This is not an email address"
        else -> null
    }

private val EMAIL = Regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")
