package support.customerservice.ui.newticket

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.CustomerInviteInfo
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.Role
import support.customerservice.core.TicketItem
import support.customerservice.core.UserInfo
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.UploadState
import support.customerservice.ui.common.attachmentProblem
import support.customerservice.ui.common.uploadAll
import support.customerservice.ui.common.userMessage

/** The server's limits on a ticket (server/src/validate.rs). */
object TicketLimits {
    const val MAX_SUBJECT = 200
    const val MAX_BODY = 20_000
}

data class NewTicketState(
    val departments: List<DepartmentInfo> = emptyList(),
    val loadingDepartments: Boolean = true,
    val departmentId: String? = null,
    val subject: String = "",
    val description: String = "",
    val attachments: List<UploadState> = emptyList(),
    val submitting: Boolean = false,
    val departmentError: String? = null,
    val subjectError: String? = null,
    val descriptionError: String? = null,
    val error: String? = null,
    /** Staff opening a ticket on a customer's behalf say who for; null when a customer opens their own. */
    val customer: CustomerField? = null,
    /** Shown once the ticket is open for a customer who was invited and whose link was not emailed. */
    val passOnLink: PassOnLink? = null,
) {
    val department: DepartmentInfo?
        get() = departments.firstOrNull { it.id == departmentId }
}

sealed interface NewTicketEvent {
    data class SelectDepartment(val id: String) : NewTicketEvent

    data class SubjectChanged(val value: String) : NewTicketEvent

    data class DescriptionChanged(val value: String) : NewTicketEvent

    data object AddAttachments : NewTicketEvent

    data class RemoveAttachment(val index: Int) : NewTicketEvent

    data object ReloadDepartments : NewTicketEvent

    data class CustomerEmailChanged(val value: String) : NewTicketEvent

    data class CustomerNameChanged(val value: String) : NewTicketEvent

    /** Asks the server whether the email is a customer's. */
    data object FindCustomer : NewTicketEvent

    data object Submit : NewTicketEvent

    /** Leaves the pass-on-the-link panel for the new ticket. */
    data object OpenCreatedTicket : NewTicketEvent
}

/**
 * A customer opens a ticket, or [staff] open one on a customer's behalf (who phoned or wrote elsewhere). Without
 * attachments it works offline (queued, shown as pending). Attachments are uploaded first, since uploads need the
 * server: if one fails, nothing is sent and the form is kept as it was.
 *
 * On a customer's behalf, the customer is found by email; an unknown email is invited by name (that needs the server),
 * and when the server could not email the one-time sign-in link, the form shows it to pass on before opening the
 * ticket. Staff open tickets in their own department, admins in any.
 */
class NewTicketPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    private val picker: AttachmentPicker,
    private val staff: UserInfo? = null,
    private val onCreated: (ticketId: String) -> Unit,
) :
    Presenter<NewTicketState, NewTicketEvent>(
        NewTicketState(customer = if (staff != null) CustomerField() else null),
        scope,
    ) {

    init {
        loadDepartments()
    }

    override fun onEvent(event: NewTicketEvent) {
        when (event) {
            is NewTicketEvent.SelectDepartment -> setState { copy(departmentId = event.id, departmentError = null) }
            is NewTicketEvent.SubjectChanged ->
                setState { copy(subject = event.value, subjectError = null, error = null) }
            is NewTicketEvent.DescriptionChanged ->
                setState { copy(description = event.value, descriptionError = null, error = null) }
            NewTicketEvent.AddAttachments -> scope.launch { add(picker.pick()) }
            is NewTicketEvent.RemoveAttachment ->
                setState { copy(attachments = attachments.filterIndexed { i, _ -> i != event.index }, error = null) }
            NewTicketEvent.ReloadDepartments -> loadDepartments()
            is NewTicketEvent.CustomerEmailChanged ->
                editCustomer {
                    // A different email needs looking up again.
                    copy(email = event.value, lookup = CustomerLookup.NotLooked, emailError = null, nameError = null)
                }
            is NewTicketEvent.CustomerNameChanged -> editCustomer { copy(name = event.value, nameError = null) }
            NewTicketEvent.FindCustomer -> scope.launch { findCustomer() }
            NewTicketEvent.Submit -> submit()
            NewTicketEvent.OpenCreatedTicket -> {
                val done = current.passOnLink ?: return
                setState {
                    NewTicketState(departments = departments, loadingDepartments = false, customer = CustomerField())
                }
                onCreated(done.ticketId)
            }
        }
    }

    private fun editCustomer(change: CustomerField.() -> CustomerField) = setState {
        copy(customer = customer?.change(), error = null)
    }

    /** The departments this user may open a ticket in: a staff member's own; everyone's for admins and customers. */
    private fun allowed(departments: List<DepartmentInfo>): List<DepartmentInfo> =
        if (staff == null || staff.role == Role.ADMIN) departments
        else departments.filter { it.id == staff.departmentId }

    /**
     * Looks the email up; returns whether the form may go on (a customer found, or unknown and to be invited). A
     * failure is shown on the field.
     */
    private suspend fun findCustomer(): Boolean {
        val field = current.customer ?: return true
        val email = field.email.trim().lowercase()
        emailProblem(email)?.let { problem ->
            editCustomer { copy(emailError = problem) }
            return false
        }
        when (field.lookup) {
            is CustomerLookup.Found,
            CustomerLookup.Unknown -> return true
            CustomerLookup.Looking -> return false
            CustomerLookup.NotLooked -> Unit
        }
        editCustomer { copy(lookup = CustomerLookup.Looking) }
        val lookup =
            try {
                CustomerLookup.Found(core.findCustomer(email))
            } catch (e: CoreException.NotFound) {
                CustomerLookup.Unknown
            } catch (e: CoreException) {
                editCustomer {
                    copy(
                        lookup = CustomerLookup.NotLooked,
                        emailError = "Couldn't look the email up: ${e.userMessage()}",
                    )
                }
                return false
            }
        // The email may have changed while the server answered: keep the answer only for the email it was asked about.
        setState {
            val now = customer
            if (now == null || now.email.trim().lowercase() != email) this
            else copy(customer = now.copy(lookup = lookup))
        }
        return true
    }

    private fun add(files: List<PickedFile>) {
        val problems = files.mapNotNull(::attachmentProblem)
        val fine = files.filter { attachmentProblem(it) == null }
        setState {
            copy(
                attachments = attachments + fine.map { UploadState(it) },
                error = problems.joinToString("\n").ifEmpty { null },
            )
        }
    }

    private fun loadDepartments() {
        scope.launch {
            val cached = core.departments()
            setState {
                copy(
                    departments = allowed(cached),
                    loadingDepartments = allowed(cached).isEmpty(),
                    departmentId = departmentId ?: allowed(cached).singleOrNull()?.id,
                )
            }
            try {
                val fresh = allowed(core.refreshDepartments())
                setState {
                    copy(
                        departments = fresh,
                        loadingDepartments = false,
                        departmentId = departmentId ?: fresh.singleOrNull()?.id,
                        // A failed load's message goes once the departments are there.
                        error = error?.takeUnless { it.startsWith(DEPARTMENTS_FAILED) },
                    )
                }
            } catch (e: CoreException) {
                setState {
                    copy(
                        loadingDepartments = false,
                        error = if (departments.isEmpty()) "$DEPARTMENTS_FAILED ${e.userMessage()}" else error,
                    )
                }
            }
        }
    }

    private fun submit() {
        val s = current
        if (s.submitting || s.passOnLink != null) return
        val subject = s.subject.trim()
        val description = s.description.trim()
        val departmentError = if (s.department == null) "Choose a department" else null
        val subjectError =
            when {
                subject.isEmpty() -> "Enter a subject"
                subject.length > TicketLimits.MAX_SUBJECT -> "Use at most ${TicketLimits.MAX_SUBJECT} characters"
                else -> null
            }
        val descriptionError =
            when {
                description.isEmpty() -> "Describe the problem"
                description.length > TicketLimits.MAX_BODY -> "Use at most ${TicketLimits.MAX_BODY} characters"
                else -> null
            }
        val nameError =
            s.customer
                ?.takeIf { it.needsName }
                ?.name
                ?.trim()
                ?.let {
                    when {
                        it.isEmpty() -> "Enter the customer's name to invite them"
                        it.length > CustomerLimits.MAX_NAME -> "Use at most ${CustomerLimits.MAX_NAME} characters"
                        else -> null
                    }
                }
        val emailError = s.customer?.let { emailProblem(it.email.trim()) }
        if (
            departmentError != null ||
                subjectError != null ||
                descriptionError != null ||
                nameError != null ||
                emailError != null
        ) {
            setState {
                copy(
                    departmentError = departmentError,
                    subjectError = subjectError,
                    descriptionError = descriptionError,
                    customer = customer?.copy(nameError = nameError, emailError = emailError),
                )
            }
            return
        }
        setState { copy(submitting = true, error = null) }
        scope.launch {
            if (s.customer != null) {
                // An email not looked up yet is looked up first; an unknown one stops here for the name to invite.
                val wasLooked = s.customer.lookup != CustomerLookup.NotLooked
                if (!findCustomer() || (!wasLooked && current.customer?.lookup == CustomerLookup.Unknown)) {
                    setState {
                        copy(
                            submitting = false,
                            customer =
                                customer?.let {
                                    if (it.needsName)
                                        it.copy(
                                            nameError = "No customer has this email: enter their name to invite them"
                                        )
                                    else it
                                },
                        )
                    }
                    return@launch
                }
            }
            val uploaded =
                try {
                    core.uploadAll(s.attachments.map { it.file }) { index, sent ->
                        setState {
                            copy(
                                attachments =
                                    attachments.mapIndexed { i, a -> if (i == index) a.copy(sentBytes = sent) else a }
                            )
                        }
                    }
                } catch (e: CoreException) {
                    setState {
                        copy(
                            submitting = false,
                            attachments = attachments.map { it.copy(sentBytes = 0) },
                            error =
                                "Couldn't upload the attachments: ${e.userMessage()} Nothing was sent; try again, or remove them to send the ticket offline.",
                        )
                    }
                    return@launch
                }
            try {
                val opened = open(s.departmentId!!, subject, description)
                if (uploaded.isNotEmpty()) core.sendMessage(opened.ticket.id, "", uploaded.map { it.id })
                val invite = opened.invite
                if (invite != null && !invite.emailed) {
                    setState { copy(submitting = false, passOnLink = PassOnLink(opened.ticket.id, invite)) }
                } else {
                    setState {
                        NewTicketState(
                            departments = departments,
                            loadingDepartments = false,
                            customer = s.customer?.let { CustomerField() },
                        )
                    }
                    onCreated(opened.ticket.id)
                }
            } catch (e: CoreException) {
                setState { copy(submitting = false, error = e.userMessage()) }
            }
        }
    }

    private class Opened(val ticket: TicketItem, val invite: CustomerInviteInfo?)

    /** Opens the ticket: the customer's own, or for the customer found (or invited now) on the form. */
    private suspend fun open(departmentId: String, subject: String, description: String): Opened {
        val field = current.customer ?: return Opened(core.createTicket(departmentId, subject, description), null)
        return when (val lookup = field.lookup) {
            is CustomerLookup.Found ->
                Opened(core.createTicketFor(lookup.customer.id, departmentId, subject, description), lookup.invite)
            else -> {
                val invite = core.inviteCustomer(field.email.trim().lowercase(), field.name.trim())
                // Invited: the form now knows the customer, so trying again after a failure does not invite twice.
                editCustomer { copy(lookup = CustomerLookup.Found(invite.customer, invite)) }
                Opened(core.createTicketFor(invite.customer.id, departmentId, subject, description), invite)
            }
        }
    }

    private companion object {
        const val DEPARTMENTS_FAILED = "Couldn't load the departments:"
    }
}
