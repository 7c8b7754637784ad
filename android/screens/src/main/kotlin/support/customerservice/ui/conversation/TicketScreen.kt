package support.customerservice.ui.conversation

import androidx.compose.foundation.background
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.Send
import androidx.compose.material.icons.filled.ArrowDropDown
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material.icons.filled.Call
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Description
import androidx.compose.material.icons.filled.DoneAll
import androidx.compose.material.icons.filled.History
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Quickreply
import androidx.compose.material3.AssistChip
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import support.customerservice.core.AttachmentItem
import support.customerservice.core.Priority
import support.customerservice.core.StaffStatus
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketStatus
import support.customerservice.ui.common.ConnectionBanner
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.LoadingPane
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.common.PendingAttachments
import support.customerservice.ui.common.PresenceDot
import support.customerservice.ui.common.PriorityChip
import support.customerservice.ui.common.SlaChip
import support.customerservice.ui.common.StatusChip
import support.customerservice.ui.common.fileSize
import support.customerservice.ui.common.label
import support.customerservice.ui.common.rememberFieldValue
import support.customerservice.ui.common.shortTime
import support.customerservice.ui.common.ticketNumber
import support.customerservice.ui.theme.AppTheme
import support.customerservice.ui.tickets.SendStateLabel

/** The ticket's title for a top bar: "#1005 Refund please". */
fun ticketTitle(state: TicketState): String =
    state.detail?.ticket?.let { "${ticketNumber(it.number)}  ${it.subject}" } ?: "Ticket"

/** The conversation and, for staff, the ticket's properties. */
@Composable
fun TicketScreen(state: TicketState, onEvent: (TicketEvent) -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize()) {
        ConnectionBanner(state.sync)
        val detail = state.detail
        when {
            detail == null && state.loading -> LoadingPane(Modifier.weight(1f))
            detail == null -> MessagePane("Ticket not available", state.error, Modifier.weight(1f), isError = true)
            else -> {
                TicketHeader(state, detail.ticket, onEvent)
                HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                Conversation(state, onEvent, Modifier.weight(1f))
                if (state.canRate) RatingCard(state, onEvent)
                if (state.typing.isNotEmpty()) TypingLine(state.typing)
                if (state.error != null) {
                    Row(
                        Modifier.fillMaxWidth().padding(horizontal = 16.dp),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        ErrorText(state.error, Modifier.weight(1f))
                        IconButton(onClick = { onEvent(TicketEvent.DismissError) }) {
                            Icon(Icons.Filled.Close, contentDescription = "Dismiss")
                        }
                    }
                }
                Composer(state, onEvent)
            }
        }
    }
}

@Composable
private fun TicketHeader(state: TicketState, ticket: TicketItem, onEvent: (TicketEvent) -> Unit) {
    // One row that scrolls sideways: on a phone the conversation keeps the height.
    Row(
        Modifier.fillMaxWidth().horizontalScroll(rememberScrollState()).padding(horizontal = 16.dp, vertical = 8.dp),
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        if (state.staff) {
            Picker(
                "Status",
                ticket.status.label,
                "status-picker",
                TicketStatus.entries.map { it.label to { onEvent(TicketEvent.SetStatus(it)) } },
            )
            Picker(
                "Priority",
                ticket.priority.label,
                "priority-picker",
                Priority.entries.map { it.label to { onEvent(TicketEvent.SetPriority(it)) } },
            )
            val assignees = buildList {
                add(("Assign to me") to { onEvent(TicketEvent.Assign(state.me.id)) })
                for (c in state.colleagues.filter { it.id != state.me.id }) {
                    add("${c.name} (${c.status.label})" to { onEvent(TicketEvent.Assign(c.id)) })
                }
                add("Unassigned" to { onEvent(TicketEvent.Assign(null)) })
            }
            Picker(
                "Assignee",
                ticket.assigneeName ?: if (ticket.assigneeId == null) "Unassigned" else "…",
                "assignee-picker",
                assignees,
            )
            if (state.canTransfer && state.departments.size > 1) {
                val current = state.departments.firstOrNull { it.id == ticket.departmentId }?.name ?: "…"
                Picker(
                    "Department",
                    current,
                    "department-picker",
                    state.departments
                        .filter { it.id != ticket.departmentId }
                        .map { it.name to { onEvent(TicketEvent.Transfer(it.id)) } },
                )
            }
            ticket.customerName?.let {
                Text(
                    "Customer: $it",
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
            SlaChip(ticket.sla, System.currentTimeMillis())
        } else {
            StatusChip(ticket.status)
            if (ticket.priority != Priority.NORMAL) PriorityChip(ticket.priority)
            Text(
                ticket.assigneeName?.let { "Handled by $it" } ?: "Waiting for an agent",
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        ticket.rating?.let { RatingSummary(it, mine = !state.staff) }
        SendStateLabel(ticket.sendState)
    }
    if (state.staff) AssigneePresence(state, ticket)
}

/** The assignee's Active/Off state, next to the properties. */
@Composable
private fun AssigneePresence(state: TicketState, ticket: TicketItem) {
    val assignee = state.colleagues.firstOrNull { it.id == ticket.assigneeId } ?: return
    Row(Modifier.padding(start = 16.dp, bottom = 6.dp), verticalAlignment = Alignment.CenterVertically) {
        PresenceDot(assignee.status == StaffStatus.ACTIVE)
        Text(
            " ${assignee.name} is ${assignee.status.label}",
            style = MaterialTheme.typography.labelSmall,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
    }
}

/** A labelled button that opens a menu of choices. */
@Composable
private fun Picker(label: String, value: String, tag: String, choices: List<Pair<String, () -> Unit>>) {
    var open by remember { mutableStateOf(false) }
    Box {
        OutlinedButton(onClick = { open = true }, modifier = Modifier.testTag(tag)) {
            Text("$label: $value", maxLines = 1, overflow = TextOverflow.Ellipsis)
            Icon(Icons.Filled.ArrowDropDown, contentDescription = null)
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            for ((text, pick) in choices) {
                DropdownMenuItem(
                    text = { Text(text) },
                    onClick = {
                        open = false
                        pick()
                    },
                )
            }
        }
    }
}

@Composable
private fun Conversation(state: TicketState, onEvent: (TicketEvent) -> Unit, modifier: Modifier) {
    val list = rememberLazyListState()
    val lastSeen =
        state.entries.lastOrNull { it is ConversationEntry.Message && it.mine && it.seenBy.isNotEmpty() }?.key
    // Newest at the bottom, anchored there (as chats are): a new message shows
    // in the frame that composes it, and one arriving while the user reads
    // further up does not move what they read.
    LazyColumn(
        modifier.fillMaxWidth().testTag("conversation"),
        state = list,
        reverseLayout = true,
        verticalArrangement = Arrangement.spacedBy(8.dp, Alignment.Bottom),
        contentPadding = androidx.compose.foundation.layout.PaddingValues(16.dp),
    ) {
        items(state.entries.asReversed(), key = { it.key }) { entry ->
            when (entry) {
                is ConversationEntry.Event -> TimelineLine(entry)
                is ConversationEntry.Message -> MessageBubble(entry, entry.key == lastSeen, state.opening, onEvent)
            }
        }
    }
}

@Composable
private fun TimelineLine(entry: ConversationEntry.Event) {
    val e = entry.item
    val call = e.description.contains("call")
    Row(
        Modifier.fillMaxWidth().testTag("timeline-${e.id}"),
        horizontalArrangement = Arrangement.Center,
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(
            if (call) Icons.Filled.Call else Icons.Filled.History,
            contentDescription = null,
            modifier = Modifier.size(14.dp),
            tint = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        Text(
            listOfNotNull(e.actorName, e.description, shortTime(e.createdAtMs)).joinToString(" · "),
            style = MaterialTheme.typography.labelMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
            textAlign = TextAlign.Center,
            modifier = Modifier.padding(start = 4.dp),
        )
    }
}

@Composable
private fun MessageBubble(
    entry: ConversationEntry.Message,
    showSeen: Boolean,
    opening: Set<String>,
    onEvent: (TicketEvent) -> Unit,
) {
    val m = entry.item
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when {
            m.internal -> AppTheme.extra.note to AppTheme.extra.onNote
            entry.mine -> scheme.primaryContainer to scheme.onPrimaryContainer
            else -> scheme.surfaceContainerHigh to scheme.onSurface
        }
    Column(
        Modifier.fillMaxWidth(),
        horizontalAlignment = if (entry.mine && !m.internal) Alignment.End else Alignment.Start,
    ) {
        // At most 85 % of the width (and 560 dp), so the side tells who wrote it.
        Box(
            Modifier.fillMaxWidth(0.85f),
            contentAlignment = if (entry.mine && !m.internal) Alignment.CenterEnd else Alignment.CenterStart,
        ) {
            Surface(
                color = container,
                contentColor = content,
                shape = RoundedCornerShape(12.dp),
                modifier = Modifier.widthIn(max = 560.dp).testTag(if (m.internal) "note-${m.id}" else "message-${m.id}"),
            ) {
                Column(
                    Modifier.padding(horizontal = 12.dp, vertical = 8.dp),
                    verticalArrangement = Arrangement.spacedBy(4.dp),
                ) {
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        if (m.internal) {
                            Icon(Icons.Filled.Lock, contentDescription = null, modifier = Modifier.size(14.dp))
                            Text(
                                " Internal note · ",
                                style = MaterialTheme.typography.labelMedium,
                                fontStyle = FontStyle.Italic,
                            )
                        }
                        Text(
                            if (entry.mine) "You" else m.authorName ?: "…",
                            style = MaterialTheme.typography.labelMedium,
                        )
                        Text(
                            "  ${shortTime(m.createdAtMs)}",
                            style = MaterialTheme.typography.labelSmall,
                            color = content.copy(alpha = 0.7f),
                        )
                    }
                    if (m.body.isNotEmpty()) Text(m.body, style = MaterialTheme.typography.bodyMedium)
                    for (a in m.attachments) AttachmentChip(a, a.id in opening) {
                        onEvent(TicketEvent.OpenAttachment(a))
                    }
                }
            }
        }
        SendStateLabel(m.sendState, Modifier.padding(top = 2.dp))
        if (showSeen) {
            Row(
                verticalAlignment = Alignment.CenterVertically,
                modifier = Modifier.padding(top = 2.dp).testTag("seen-by"),
            ) {
                Icon(
                    Icons.Filled.DoneAll,
                    contentDescription = null,
                    modifier = Modifier.size(14.dp),
                    tint = scheme.primary,
                )
                Text(
                    " Seen by ${entry.seenBy.joinToString()}",
                    style = MaterialTheme.typography.labelSmall,
                    color = scheme.onSurfaceVariant,
                )
            }
        }
    }
}

@Composable
private fun AttachmentChip(a: AttachmentItem, opening: Boolean, onOpen: () -> Unit) {
    AssistChip(
        onClick = onOpen,
        enabled = !opening,
        label = { Text("${a.name} · ${fileSize(a.size)}", maxLines = 1, overflow = TextOverflow.Ellipsis) },
        leadingIcon = { Icon(Icons.Filled.Description, contentDescription = null, modifier = Modifier.size(18.dp)) },
        modifier = Modifier.testTag("open-${a.name}"),
    )
}

@Composable
private fun TypingLine(names: List<String>) {
    val text =
        when (names.size) {
            1 -> "${names[0]} is typing…"
            2 -> "${names[0]} and ${names[1]} are typing…"
            else -> "Several people are typing…"
        }
    Text(
        text,
        style = MaterialTheme.typography.labelMedium,
        fontStyle = FontStyle.Italic,
        color = MaterialTheme.colorScheme.onSurfaceVariant,
        modifier = Modifier.padding(horizontal = 16.dp, vertical = 4.dp).testTag("typing"),
    )
}

@Composable
private fun Composer(state: TicketState, onEvent: (TicketEvent) -> Unit) {
    val closed = state.detail?.ticket?.status == TicketStatus.CLOSED
    Surface(color = if (state.internal) AppTheme.extra.note else MaterialTheme.colorScheme.surfaceContainer) {
        Column(Modifier.fillMaxWidth().padding(8.dp)) {
            if (state.staff) {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.padding(bottom = 4.dp)) {
                    FilterChip(
                        selected = !state.internal,
                        onClick = { onEvent(TicketEvent.SetInternal(false)) },
                        label = { Text("Reply to customer") },
                        modifier = Modifier.testTag("mode-reply"),
                    )
                    FilterChip(
                        selected = state.internal,
                        onClick = { onEvent(TicketEvent.SetInternal(true)) },
                        label = { Text("Internal note") },
                        leadingIcon = {
                            Icon(Icons.Filled.Lock, contentDescription = null, modifier = Modifier.size(16.dp))
                        },
                        modifier = Modifier.testTag("mode-note"),
                    )
                }
            }
            state.canned?.let { picker ->
                CannedPicker(
                    picker,
                    onQuery = { onEvent(TicketEvent.CannedQuery(it)) },
                    onPick = { onEvent(TicketEvent.PickCanned(it.id)) },
                    onClose = { onEvent(TicketEvent.ShowCanned(false)) },
                )
            }
            PendingAttachments(
                state.attachments,
                state.sending,
                onRemove = { onEvent(TicketEvent.RemoveAttachment(it)) },
            )
            Row(verticalAlignment = Alignment.CenterVertically) {
                IconButton(onClick = { onEvent(TicketEvent.AddAttachments) }, enabled = !state.sending) {
                    Icon(Icons.Filled.AttachFile, contentDescription = "Attach files")
                }
                if (state.staff) {
                    IconButton(
                        onClick = { onEvent(TicketEvent.ShowCanned(state.canned == null)) },
                        modifier = Modifier.testTag("canned-open"),
                    ) {
                        Icon(Icons.Filled.Quickreply, contentDescription = "Canned replies")
                    }
                }
                var composer by rememberFieldValue(state.composer)
                OutlinedTextField(
                    value = composer,
                    onValueChange = {
                        composer = it
                        onEvent(TicketEvent.ComposerChanged(it.text))
                    },
                    placeholder = {
                        Text(
                            when {
                                state.internal -> "Note for your colleagues (the customer never sees it)"
                                closed -> "Write to reopen this ticket"
                                else -> "Write a message"
                            },
                            maxLines = 1,
                            overflow = TextOverflow.Ellipsis,
                        )
                    },
                    maxLines = 5,
                    modifier =
                        Modifier.weight(1f)
                            .testTag("composer")
                            .background(MaterialTheme.colorScheme.surface, RoundedCornerShape(4.dp)),
                )
                IconButton(
                    onClick = { onEvent(TicketEvent.Send) },
                    enabled = state.canSend,
                    modifier = Modifier.testTag("send"),
                ) {
                    Icon(
                        Icons.AutoMirrored.Filled.Send,
                        contentDescription = if (state.internal) "Add note" else "Send",
                    )
                }
            }
        }
    }
}
