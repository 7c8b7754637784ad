package support.customerservice.ui.canned

import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import support.customerservice.core.CannedReplyItem
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.LoadingPane
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.common.rememberFieldValue

/** What the composer fills in, as a supervisor sees them while writing. */
private val PLACEHOLDERS =
    listOf("customer_name" to "Customer's name", "ticket_number" to "Ticket number", "agent_name" to "Your name")

/** The department's canned replies to manage, or the one being written. */
@Composable
fun CannedRepliesScreen(
    state: CannedRepliesState,
    onEvent: (CannedRepliesEvent) -> Unit,
    modifier: Modifier = Modifier,
) {
    val draft = state.draft
    if (draft != null) {
        CannedEditor(state, draft, onEvent, modifier)
        return
    }
    Column(modifier.fillMaxSize()) {
        Row(Modifier.fillMaxWidth().padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
            OutlinedTextField(
                value = state.query,
                onValueChange = { onEvent(CannedRepliesEvent.Query(it)) },
                placeholder = { Text("Search by title") },
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                singleLine = true,
                modifier = Modifier.weight(1f).testTag("canned-query"),
            )
            Button(
                onClick = { onEvent(CannedRepliesEvent.New) },
                modifier = Modifier.padding(start = 12.dp).testTag("canned-new"),
            ) {
                Icon(Icons.Filled.Add, contentDescription = null)
                Text("New reply", modifier = Modifier.padding(start = 4.dp))
            }
        }
        if (state.error != null) ErrorText(state.error, Modifier.padding(horizontal = 16.dp))
        when {
            state.loading -> LoadingPane()
            state.replies.isEmpty() && state.query.isNotBlank() ->
                MessagePane("No reply found", "No canned reply's title contains “${state.query.trim()}”.")
            state.replies.isEmpty() ->
                MessagePane(
                    "No canned replies yet",
                    "Write the answers your team gives again and again; agents insert them from the composer.",
                )
            else ->
                LazyColumn(Modifier.fillMaxSize().testTag("canned-list")) {
                    items(state.replies, key = { it.id }) { reply ->
                        CannedRow(state, reply, onEvent)
                        HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                    }
                }
        }
    }
}

@Composable
private fun CannedRow(state: CannedRepliesState, reply: CannedReplyItem, onEvent: (CannedRepliesEvent) -> Unit) {
    Column(
        Modifier.fillMaxWidth()
            .padding(start = 16.dp, end = 8.dp, top = 8.dp, bottom = 8.dp)
            .testTag("row-${reply.title}")
    ) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f)) {
                Text(reply.title, style = MaterialTheme.typography.titleMedium)
                if (state.showsDepartments) {
                    Text(
                        state.departmentName(reply.departmentId),
                        style = MaterialTheme.typography.labelSmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
            }
            IconButton(
                onClick = { onEvent(CannedRepliesEvent.Edit(reply)) },
                modifier = Modifier.testTag("edit-${reply.title}"),
            ) {
                Icon(Icons.Filled.Edit, contentDescription = "Edit ${reply.title}")
            }
            IconButton(
                onClick = { onEvent(CannedRepliesEvent.AskDelete(reply)) },
                modifier = Modifier.testTag("delete-${reply.title}"),
            ) {
                Icon(Icons.Filled.Delete, contentDescription = "Delete ${reply.title}")
            }
        }
        Text(
            reply.body,
            style = MaterialTheme.typography.bodyMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
            maxLines = 2,
            overflow = TextOverflow.Ellipsis,
            modifier = Modifier.padding(end = 8.dp),
        )
        if (state.deleting?.id == reply.id) {
            Surface(
                color = MaterialTheme.colorScheme.errorContainer,
                contentColor = MaterialTheme.colorScheme.onErrorContainer,
                shape = MaterialTheme.shapes.small,
                modifier = Modifier.fillMaxWidth().padding(top = 8.dp, end = 8.dp),
            ) {
                Row(Modifier.padding(horizontal = 12.dp), verticalAlignment = Alignment.CenterVertically) {
                    Text("Delete “${reply.title}” for the whole team?", Modifier.weight(1f))
                    TextButton(
                        onClick = { onEvent(CannedRepliesEvent.ConfirmDelete) },
                        modifier = Modifier.testTag("confirm-delete"),
                    ) {
                        Text("Delete")
                    }
                    TextButton(onClick = { onEvent(CannedRepliesEvent.CancelDelete) }) { Text("Keep") }
                }
            }
        }
    }
}

@Composable
private fun CannedEditor(
    state: CannedRepliesState,
    draft: CannedDraft,
    onEvent: (CannedRepliesEvent) -> Unit,
    modifier: Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Column(Modifier.widthIn(max = 640.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text(
                if (draft.id == null) "New canned reply" else "Edit canned reply",
                style = MaterialTheme.typography.titleMedium,
            )
            // An admin's new reply goes to the department they pick; an edit stays where it is.
            if (state.showsDepartments && draft.id == null && state.departments.isNotEmpty()) {
                Text("Department", style = MaterialTheme.typography.titleSmall)
                Column(Modifier.selectableGroup()) {
                    for (d in state.departments) {
                        Row(
                            Modifier.fillMaxWidth()
                                .heightIn(min = 48.dp)
                                .selectable(d.id == draft.departmentId, role = Role.RadioButton) {
                                    onEvent(CannedRepliesEvent.DraftDepartment(d.id))
                                }
                                .testTag("draft-department-${d.name}"),
                            verticalAlignment = Alignment.CenterVertically,
                        ) {
                            RadioButton(selected = d.id == draft.departmentId, onClick = null)
                            Text(d.name, modifier = Modifier.padding(start = 12.dp))
                        }
                    }
                }
            }
            OutlinedTextField(
                value = draft.title,
                onValueChange = { onEvent(CannedRepliesEvent.DraftTitle(it)) },
                label = { Text("Title (what agents search for)") },
                singleLine = true,
                modifier = Modifier.fillMaxWidth().testTag("draft-title"),
            )
            var body by rememberFieldValue(draft.body)
            OutlinedTextField(
                value = body,
                onValueChange = {
                    body = it
                    onEvent(CannedRepliesEvent.DraftBody(it.text))
                },
                label = { Text("Reply") },
                minLines = 5,
                modifier = Modifier.fillMaxWidth().testTag("draft-body"),
            )
            Text(
                "Filled in for each ticket when inserted:",
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
            Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                for ((name, label) in PLACEHOLDERS) {
                    AssistChip(
                        onClick = { onEvent(CannedRepliesEvent.InsertPlaceholder(name, body.selection.start)) },
                        label = { Text("$label {$name}") },
                        modifier = Modifier.testTag("insert-$name"),
                    )
                }
            }
            if (state.error != null) ErrorText(state.error)
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                Button(
                    onClick = { onEvent(CannedRepliesEvent.Save) },
                    enabled = draft.canSave,
                    modifier = Modifier.testTag("draft-save"),
                ) {
                    Text(if (draft.saving) "Saving…" else "Save")
                }
                OutlinedButton(onClick = { onEvent(CannedRepliesEvent.CancelDraft) }, enabled = !draft.saving) {
                    Text("Cancel")
                }
            }
        }
    }
}
