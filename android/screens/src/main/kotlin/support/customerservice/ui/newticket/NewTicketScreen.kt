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
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material.icons.filled.ContentCopy
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalClipboardManager
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.AnnotatedString
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.PendingAttachments

@Composable
fun NewTicketScreen(state: NewTicketState, onEvent: (NewTicketEvent) -> Unit, modifier: Modifier = Modifier) {
    val passOn = state.passOnLink
    if (passOn != null) {
        PassOnLinkPanel(passOn, onOpen = { onEvent(NewTicketEvent.OpenCreatedTicket) }, modifier)
        return
    }
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Column(Modifier.widthIn(max = 640.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            if (state.customer != null) CustomerSection(state.customer, state.submitting, onEvent)
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
                Text(
                    when {
                        state.submitting -> "Opening the ticket…"
                        state.customer?.needsName == true -> "Invite and open ticket"
                        state.customer != null ->
                            (state.customer.lookup as? CustomerLookup.Found)?.let {
                                "Open ticket for ${it.customer.name}"
                            } ?: "Open ticket for the customer"
                        else -> "Open ticket"
                    }
                )
            }
        }
    }
}

/** Who the ticket is for (staff): the email, what the server said of it, and the name when they are to be invited. */
@Composable
private fun CustomerSection(field: CustomerField, submitting: Boolean, onEvent: (NewTicketEvent) -> Unit) {
    Text("Customer", style = MaterialTheme.typography.titleSmall)
    OutlinedTextField(
        value = field.email,
        onValueChange = { onEvent(NewTicketEvent.CustomerEmailChanged(it)) },
        label = { Text("Customer's email") },
        singleLine = true,
        enabled = !submitting,
        isError = field.emailError != null,
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Email, imeAction = ImeAction.Search),
        keyboardActions = KeyboardActions(onSearch = { onEvent(NewTicketEvent.FindCustomer) }),
        trailingIcon = {
            if (field.lookup == CustomerLookup.Looking) {
                CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
            } else {
                TextButton(
                    onClick = { onEvent(NewTicketEvent.FindCustomer) },
                    enabled = !submitting && field.email.isNotBlank(),
                    modifier = Modifier.testTag("find-customer"),
                ) {
                    Text("Find")
                }
            }
        },
        supportingText = {
            Text(
                field.emailError
                    ?: when (val l = field.lookup) {
                        is CustomerLookup.Found -> "${l.customer.name} · ${l.customer.email}"
                        CustomerLookup.Unknown -> "No account has this email: they will be invited to sign in."
                        CustomerLookup.Looking -> "Looking for the customer…"
                        CustomerLookup.NotLooked -> "The ticket is theirs: they see it in their app."
                    },
                modifier = Modifier.testTag("customer-lookup"),
            )
        },
        modifier = Modifier.fillMaxWidth().testTag("customer-email"),
    )
    if (field.needsName) {
        OutlinedTextField(
            value = field.name,
            onValueChange = { onEvent(NewTicketEvent.CustomerNameChanged(it)) },
            label = { Text("Customer's name") },
            singleLine = true,
            enabled = !submitting,
            isError = field.nameError != null,
            supportingText = field.nameError?.let { { Text(it) } },
            modifier = Modifier.fillMaxWidth().testTag("customer-name"),
        )
    } else if (field.nameError != null) {
        ErrorText(field.nameError)
    }
}

/** The ticket is open for an invited customer whose link was not emailed: the link, to pass on, and the way on. */
@Composable
private fun PassOnLinkPanel(done: PassOnLink, onOpen: () -> Unit, modifier: Modifier = Modifier) {
    val clipboard = LocalClipboardManager.current
    val customer = done.invite.customer
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Column(Modifier.widthIn(max = 640.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text("Ticket opened for ${customer.name}", style = MaterialTheme.typography.titleLarge)
            Text(
                "${customer.name} has no password yet. Pass this sign-in link on to them (by phone or message): " +
                    "it signs them in once, within 7 days, and their ticket is waiting.",
                style = MaterialTheme.typography.bodyMedium,
            )
            done.invite.mailError?.let { ErrorText("The email did not go: $it") }
            val link = done.invite.signInLink
            if (link != null) {
                Surface(
                    color = MaterialTheme.colorScheme.surfaceVariant,
                    shape = MaterialTheme.shapes.medium,
                    modifier = Modifier.fillMaxWidth(),
                ) {
                    SelectionContainer {
                        Text(
                            link,
                            style = MaterialTheme.typography.bodyMedium.copy(fontFamily = FontFamily.Monospace),
                            modifier = Modifier.padding(12.dp).testTag("sign-in-link"),
                        )
                    }
                }
                OutlinedButton(
                    onClick = { clipboard.setText(AnnotatedString(link)) },
                    modifier = Modifier.testTag("copy-link"),
                ) {
                    Icon(Icons.Filled.ContentCopy, contentDescription = null)
                    Text("Copy the link", modifier = Modifier.padding(start = 8.dp))
                }
            }
            Button(onClick = onOpen, modifier = Modifier.fillMaxWidth().testTag("open-created-ticket")) {
                Text("Open the ticket")
            }
        }
    }
}
