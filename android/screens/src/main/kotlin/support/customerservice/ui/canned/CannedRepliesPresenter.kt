package support.customerservice.ui.canned

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CannedReplyItem
import support.customerservice.core.CoreException
import support.customerservice.core.DepartmentInfo
import support.customerservice.core.Role
import support.customerservice.core.UserInfo
import support.customerservice.ui.common.Presenter
import support.customerservice.ui.common.userMessage

/** The reply being written: a new one ([id] null) or an edit. */
data class CannedDraft(
    val id: String? = null,
    val title: String = "",
    val body: String = "",
    /** Admins choose; a supervisor's replies are their department's. */
    val departmentId: String? = null,
    val saving: Boolean = false,
) {
    val canSave: Boolean
        get() = !saving && title.isNotBlank() && body.isNotBlank()
}

data class CannedRepliesState(
    val me: UserInfo,
    val loading: Boolean = true,
    val query: String = "",
    val replies: List<CannedReplyItem> = emptyList(),
    val departments: List<DepartmentInfo> = emptyList(),
    val draft: CannedDraft? = null,
    /** The reply the user asked to delete, waiting for their confirmation. */
    val deleting: CannedReplyItem? = null,
    val error: String? = null,
) {
    /** Admins see every department's replies, so each row names its department. */
    val showsDepartments: Boolean
        get() = me.role == Role.ADMIN

    fun departmentName(id: String): String = departments.firstOrNull { it.id == id }?.name ?: "…"
}

sealed interface CannedRepliesEvent {
    data class Query(val query: String) : CannedRepliesEvent

    data object New : CannedRepliesEvent

    data class Edit(val reply: CannedReplyItem) : CannedRepliesEvent

    data class DraftTitle(val title: String) : CannedRepliesEvent

    data class DraftBody(val body: String) : CannedRepliesEvent

    data class DraftDepartment(val departmentId: String) : CannedRepliesEvent

    /** Puts `{name}` into the body at [at] (the cursor), a space before it when it would touch a word. */
    data class InsertPlaceholder(val name: String, val at: Int) : CannedRepliesEvent

    data object Save : CannedRepliesEvent

    data object CancelDraft : CannedRepliesEvent

    data class AskDelete(val reply: CannedReplyItem) : CannedRepliesEvent

    data object ConfirmDelete : CannedRepliesEvent

    data object CancelDelete : CannedRepliesEvent

    data object DismissError : CannedRepliesEvent
}

/**
 * The canned replies a supervisor manages (an admin: every department's): searched by title, written and edited with
 * the placeholders the composer fills in, deleted after a confirmation. Reading works offline (the core's cache);
 * writing needs the server and says so when it is away. The drafted text is kept when the server refuses it.
 */
class CannedRepliesPresenter(private val core: CustomerServiceCore, scope: CoroutineScope, me: UserInfo) :
    Presenter<CannedRepliesState, CannedRepliesEvent>(CannedRepliesState(me = me), scope) {

    init {
        scope.launch {
            val cached = runCatching { core.departments() }.getOrDefault(emptyList())
            setState { copy(departments = cached) }
            // Fresh from the server when it is there; the cache is shown meanwhile.
            runCatching { core.refreshCannedReplies() }
            runCatching { core.refreshDepartments() }.onSuccess { d -> setState { copy(departments = d) } }
        }
        // The cache now and at each change (this screen's saves, a colleague's, the refresh): the search again.
        scope.launch { core.cannedRepliesFlow().collect { reload() } }
    }

    override fun onEvent(event: CannedRepliesEvent) {
        when (event) {
            is CannedRepliesEvent.Query -> {
                setState { copy(query = event.query) }
                scope.launch { reload() }
            }
            CannedRepliesEvent.New ->
                setState { copy(draft = CannedDraft(departmentId = me.departmentId ?: departments.firstOrNull()?.id)) }
            is CannedRepliesEvent.Edit ->
                setState {
                    val r = event.reply
                    copy(draft = CannedDraft(id = r.id, title = r.title, body = r.body, departmentId = r.departmentId))
                }
            is CannedRepliesEvent.DraftTitle -> editDraft { copy(title = event.title) }
            is CannedRepliesEvent.DraftBody -> editDraft { copy(body = event.body) }
            is CannedRepliesEvent.DraftDepartment -> editDraft { copy(departmentId = event.departmentId) }
            is CannedRepliesEvent.InsertPlaceholder ->
                editDraft { copy(body = withPlaceholder(body, event.name, event.at)) }
            CannedRepliesEvent.Save -> save()
            CannedRepliesEvent.CancelDraft -> setState { copy(draft = null, error = null) }
            is CannedRepliesEvent.AskDelete -> setState { copy(deleting = event.reply) }
            CannedRepliesEvent.ConfirmDelete -> delete()
            CannedRepliesEvent.CancelDelete -> setState { copy(deleting = null) }
            CannedRepliesEvent.DismissError -> setState { copy(error = null) }
        }
    }

    private fun withPlaceholder(body: String, name: String, at: Int): String {
        val i = at.coerceIn(0, body.length)
        val space = if (i > 0 && body[i - 1].isLetterOrDigit()) " " else ""
        return body.substring(0, i) + space + "{$name}" + body.substring(i)
    }

    private fun editDraft(change: CannedDraft.() -> CannedDraft) = setState {
        copy(draft = draft?.change(), error = null)
    }

    private fun save() {
        val draft = current.draft ?: return
        if (!draft.canSave) return
        editDraft { copy(saving = true) }
        scope.launch {
            try {
                if (draft.id == null) {
                    // Only an admin names the department; the server puts a supervisor's in theirs.
                    val department = draft.departmentId.takeIf { current.me.role == Role.ADMIN }
                    core.createCannedReply(department, draft.title.trim(), draft.body.trim())
                } else {
                    core.updateCannedReply(draft.id, draft.title.trim(), draft.body.trim())
                }
                setState { copy(draft = null) }
                reload()
            } catch (e: CoreException) {
                setState { copy(draft = this.draft?.copy(saving = false), error = "Couldn't save: ${e.userMessage()}") }
            }
        }
    }

    private fun delete() {
        val reply = current.deleting ?: return
        setState { copy(deleting = null) }
        scope.launch {
            try {
                core.deleteCannedReply(reply.id)
                reload()
            } catch (e: CoreException) {
                setState { copy(error = "Couldn't delete “${reply.title}”: ${e.userMessage()}") }
            }
        }
    }

    private suspend fun reload() {
        val query = current.query
        try {
            val found = core.cannedReplies(null, query)
            setState { if (this.query == query) copy(loading = false, replies = found) else this }
        } catch (e: CoreException) {
            setState { copy(loading = false, error = e.userMessage()) }
        } catch (_: IllegalStateException) {
            // The core was closed: the screen is going away.
        }
    }
}
