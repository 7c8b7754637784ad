package support.customerservice.ui.newticket

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.PendingAttachments

@Composable
fun NewTicketScreen(state: NewTicketState, onEvent: (NewTicketEvent) -> Unit, modifier: Modifier = Modifier) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Column(Modifier.widthIn(max = 640.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text("Department", style = MaterialTheme.typography.titleSmall)
            when {
                state.loadingDepartments && state.departments.isEmpty() ->
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
                        Text(
                            "Loading departments…",
                            style = MaterialTheme.typography.bodyMedium,
                            modifier = Modifier.padding(start = 12.dp),
                        )
                    }
                state.departments.isEmpty() ->
                    TextButton(onClick = { onEvent(NewTicketEvent.ReloadDepartments) }) {
                        Text("Load departments again")
                    }
                else ->
                    Column(Modifier.selectableGroup()) {
                        for (d in state.departments) {
                            Row(
                                Modifier.fillMaxWidth()
                                    .heightIn(min = 48.dp)
                                    .selectable(d.id == state.departmentId, role = Role.RadioButton) {
                                        onEvent(NewTicketEvent.SelectDepartment(d.id))
                                    }
                                    .testTag("department-${d.name}"),
                                verticalAlignment = Alignment.CenterVertically,
                            ) {
                                RadioButton(selected = d.id == state.departmentId, onClick = null)
                                Text(d.name, modifier = Modifier.padding(start = 12.dp))
                            }
                        }
                    }
            }
            if (state.departmentError != null) ErrorText(state.departmentError)
            OutlinedTextField(
                value = state.subject,
                onValueChange = { onEvent(NewTicketEvent.SubjectChanged(it)) },
                label = { Text("Subject") },
                singleLine = true,
                isError = state.subjectError != null,
                supportingText = {
                    Text(state.subjectError ?: "${state.subject.trim().length} / ${TicketLimits.MAX_SUBJECT}")
                },
                modifier = Modifier.fillMaxWidth().testTag("subject"),
            )
            OutlinedTextField(
                value = state.description,
                onValueChange = { onEvent(NewTicketEvent.DescriptionChanged(it)) },
                label = { Text("What happened?") },
                minLines = 4,
                isError = state.descriptionError != null,
                supportingText = state.descriptionError?.let { { Text(it) } },
                modifier = Modifier.fillMaxWidth().testTag("description"),
            )
            PendingAttachments(
                state.attachments,
                state.submitting,
                onRemove = { onEvent(NewTicketEvent.RemoveAttachment(it)) },
            )
            OutlinedButton(
                onClick = { onEvent(NewTicketEvent.AddAttachments) },
                enabled = !state.submitting,
                modifier = Modifier.testTag("add-attachment"),
            ) {
                Icon(Icons.Filled.AttachFile, contentDescription = null)
                Text("Attach files", modifier = Modifier.padding(start = 8.dp))
            }
            if (state.error != null) ErrorText(state.error)
            Button(
                onClick = { onEvent(NewTicketEvent.Submit) },
                enabled = !state.submitting,
                modifier = Modifier.fillMaxWidth().testTag("submit-ticket"),
            ) {
                Text(if (state.submitting) "Opening the ticket…" else "Open ticket")
            }
        }
    }
}
