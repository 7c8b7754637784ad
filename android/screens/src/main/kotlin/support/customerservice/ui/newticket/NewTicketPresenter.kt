package support.customerservice.ui.newticket

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.core.DepartmentInfo
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

    data object Submit : NewTicketEvent
}

/**
 * A customer opens a ticket. Without attachments it works offline (queued, shown as pending). Attachments are uploaded
 * first, since uploads need the server: if one fails, nothing is sent and the form is kept as it was.
 */
class NewTicketPresenter(
    private val core: CustomerServiceCore,
    scope: CoroutineScope,
    private val picker: AttachmentPicker,
    private val onCreated: (ticketId: String) -> Unit,
) : Presenter<NewTicketState, NewTicketEvent>(NewTicketState(), scope) {

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
            NewTicketEvent.Submit -> submit()
        }
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
                    departments = cached,
                    loadingDepartments = cached.isEmpty(),
                    departmentId = departmentId ?: cached.singleOrNull()?.id,
                )
            }
            try {
                val fresh = core.refreshDepartments()
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
        if (s.submitting) return
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
        if (departmentError != null || subjectError != null || descriptionError != null) {
            setState {
                copy(
                    departmentError = departmentError,
                    subjectError = subjectError,
                    descriptionError = descriptionError,
                )
            }
            return
        }
        setState { copy(submitting = true, error = null) }
        scope.launch {
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
                val ticket = core.createTicket(s.departmentId!!, subject, description)
                if (uploaded.isNotEmpty()) core.sendMessage(ticket.id, "", uploaded.map { it.id })
                setState { NewTicketState(departments = departments, loadingDepartments = false) }
                onCreated(ticket.id)
            } catch (e: CoreException) {
                setState { copy(submitting = false, error = e.userMessage()) }
            }
        }
    }

    private companion object {
        const val DEPARTMENTS_FAILED = "Couldn't load the departments:"
    }
}
