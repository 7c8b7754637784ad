package support.customerservice.ui.tickets

import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.ErrorOutline
import androidx.compose.material.icons.filled.Schedule
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Badge
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.VerticalDivider
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import support.customerservice.core.Priority
import support.customerservice.core.SendState
import support.customerservice.core.SlaFilter
import support.customerservice.core.TicketItem
import support.customerservice.core.TicketSort
import support.customerservice.core.TicketStatus
import support.customerservice.ui.common.ConnectionBanner
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.LoadingPane
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.common.PriorityChip
import support.customerservice.ui.common.SlaChip
import support.customerservice.ui.common.StatusChip
import support.customerservice.ui.common.label
import support.customerservice.ui.common.shortTime
import support.customerservice.ui.common.ticketNumber

/** The list of tickets under its filters: "My tickets" for customers, the queue for staff. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun TicketListPane(
    state: TicketListState,
    onEvent: (TicketListEvent) -> Unit,
    onOpen: (TicketItem) -> Unit,
    modifier: Modifier = Modifier,
    selectedId: String? = null,
) {
    Column(modifier.fillMaxSize()) {
        ConnectionBanner(state.sync)
        if (state.staff) QueueFilters(state, onEvent)
        if (state.error != null) {
            Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp), verticalAlignment = Alignment.CenterVertically) {
                ErrorText(state.error, Modifier.weight(1f))
                IconButton(onClick = { onEvent(TicketListEvent.DismissError) }) {
                    Icon(Icons.Filled.Close, contentDescription = "Dismiss")
                }
            }
        }
        PullToRefreshBox(
            isRefreshing = state.refreshing,
            onRefresh = { onEvent(TicketListEvent.Refresh) },
            modifier = Modifier.fillMaxSize(),
        ) {
            when {
                state.loading -> LoadingPane()
                state.tickets.isEmpty() && state.filtered ->
                    MessagePane("No tickets match", "Change the filters or the search to see more.")
                state.tickets.isEmpty() && state.staff ->
                    MessagePane("The queue is empty", "New tickets of your department appear here as they come in.")
                state.tickets.isEmpty() ->
                    MessagePane("No tickets yet", "Open a ticket and our team will get back to you here.")
                else ->
                    LazyColumn(Modifier.fillMaxSize().testTag("ticket-list")) {
                        items(state.tickets, key = { it.id }) { ticket ->
                            TicketRow(ticket, state.staff, ticket.id == selectedId, onClick = { onOpen(ticket) })
                            HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                        }
                    }
            }
        }
    }
}

@Composable
private fun QueueFilters(state: TicketListState, onEvent: (TicketListEvent) -> Unit) {
    val f = state.filter
    Column(Modifier.fillMaxWidth().padding(top = 8.dp)) {
        OutlinedTextField(
            value = f.query,
            onValueChange = { onEvent(TicketListEvent.SetQuery(it)) },
            placeholder = { Text("Search subjects") },
            leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
            trailingIcon =
                if (f.query.isNotEmpty()) {
                    {
                        IconButton(onClick = { onEvent(TicketListEvent.SetQuery("")) }) {
                            Icon(Icons.Filled.Close, contentDescription = "Clear search")
                        }
                    }
                } else {
                    null
                },
            singleLine = true,
            modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp).testTag("search"),
        )
        ChipRow {
            for ((sort, label) in
                listOf(TicketSort.PRIORITY to "Most pressing first", TicketSort.DUE to "Due soonest")) {
                CountChip(label, null, f.sort == sort, "sort-${sort.name.lowercase()}") {
                    onEvent(TicketListEvent.SetSort(if (f.sort == sort) TicketSort.UPDATED else sort))
                }
            }
            VerticalDivider(Modifier.height(24.dp))
            for (sla in SlaFilter.entries) {
                CountChip(sla.label, null, f.sla == sla, "sla-${sla.name.lowercase()}") {
                    onEvent(TicketListEvent.SetSla(if (f.sla == sla) null else sla))
                }
            }
            VerticalDivider(Modifier.height(24.dp))
            for (a in AssigneeFilter.entries) {
                CountChip(a.label, state.counts.byAssignee[a], f.assignee == a, "assignee-${a.name.lowercase()}") {
                    onEvent(TicketListEvent.SetAssignee(a))
                }
            }
        }
        ChipRow {
            CountChip("All", state.counts.byStatus[null], f.status == null, "status-all") {
                onEvent(TicketListEvent.SetStatus(null))
            }
            for (s in TicketStatus.entries) {
                CountChip(s.label, state.counts.byStatus[s], f.status == s, "status-${s.name.lowercase()}") {
                    onEvent(TicketListEvent.SetStatus(if (f.status == s) null else s))
                }
            }
            VerticalDivider(Modifier.height(24.dp))
            for (p in Priority.entries.reversed()) {
                CountChip(p.label, null, f.priority == p, "priority-${p.name.lowercase()}") {
                    onEvent(TicketListEvent.SetPriority(if (f.priority == p) null else p))
                }
            }
        }
    }
}

@Composable
private fun ChipRow(content: @Composable () -> Unit) {
    Row(
        Modifier.fillMaxWidth().horizontalScroll(rememberScrollState()).padding(horizontal = 16.dp),
        horizontalArrangement = Arrangement.spacedBy(8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        content()
    }
}

@Composable
private fun CountChip(label: String, count: Int?, selected: Boolean, tag: String, onClick: () -> Unit) {
    FilterChip(
        selected = selected,
        onClick = onClick,
        label = { Text(if (count == null) label else "$label $count") },
        modifier = Modifier.testTag(tag),
    )
}

@Composable
fun TicketRow(ticket: TicketItem, staff: Boolean, selected: Boolean, onClick: () -> Unit) {
    val unread = ticket.unreadCount.toInt()
    Surface(
        color = if (selected) MaterialTheme.colorScheme.surfaceContainerHigh else MaterialTheme.colorScheme.surface,
        modifier =
            Modifier.fillMaxWidth().heightIn(min = 72.dp).clickable(onClick = onClick).testTag("ticket-${ticket.id}"),
    ) {
        Column(
            Modifier.padding(horizontal = 16.dp, vertical = 10.dp),
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    ticket.number?.let { "${ticketNumber(it)}  ${ticket.subject}" } ?: ticket.subject,
                    style = MaterialTheme.typography.titleSmall,
                    fontWeight = if (unread > 0) FontWeight.Bold else FontWeight.Medium,
                    maxLines = 1,
                    overflow = TextOverflow.Ellipsis,
                    modifier = Modifier.weight(1f),
                )
                Text(
                    shortTime(ticket.updatedAtMs),
                    style = MaterialTheme.typography.labelSmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.padding(start = 8.dp),
                )
            }
            Row(verticalAlignment = Alignment.CenterVertically) {
                Preview(ticket.lastMessage, Modifier.weight(1f))
                if (unread > 0) {
                    Badge(
                        containerColor = MaterialTheme.colorScheme.primary,
                        modifier = Modifier.padding(start = 8.dp).semantics { contentDescription = "$unread unread" },
                    ) {
                        Text("$unread")
                    }
                }
            }
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp), verticalAlignment = Alignment.CenterVertically) {
                StatusChip(ticket.status)
                if (staff || ticket.priority != Priority.NORMAL) PriorityChip(ticket.priority)
                if (staff) SlaChip(ticket.sla, System.currentTimeMillis())
                if (staff) {
                    Text(
                        listOfNotNull(ticket.customerName, ticket.assigneeName?.let { "→ $it" } ?: "unassigned")
                            .joinToString("  "),
                        style = MaterialTheme.typography.labelMedium,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        maxLines = 1,
                        overflow = TextOverflow.Ellipsis,
                        modifier = Modifier.weight(1f, fill = false),
                    )
                }
            }
            if (ticket.sendState != SendState.Sent) SendStateLabel(ticket.sendState)
        }
    }
}

/**
 * The last message's first line; the core marks an attachment-only message "📎 name", drawn with the attachment icon
 * (not every desktop font has the emoji).
 */
@Composable
private fun Preview(text: String?, modifier: Modifier) {
    val attachment = text?.removePrefix(ATTACHMENT_MARK)?.takeIf { text.startsWith(ATTACHMENT_MARK) }
    Row(modifier, verticalAlignment = Alignment.CenterVertically) {
        if (attachment != null) {
            Icon(
                Icons.Filled.AttachFile,
                contentDescription = "Attachment",
                modifier = Modifier.size(16.dp),
                tint = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        Text(
            attachment ?: text ?: "",
            style = MaterialTheme.typography.bodyMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
            maxLines = 1,
            overflow = TextOverflow.Ellipsis,
        )
    }
}

private const val ATTACHMENT_MARK = "📎 "

/** "Sending…" while in the outbox, "Not sent" with the reason when refused. */
@Composable
fun SendStateLabel(state: SendState, modifier: Modifier = Modifier) {
    when (state) {
        SendState.Sent -> {}
        SendState.Pending ->
            Row(modifier, verticalAlignment = Alignment.CenterVertically) {
                Icon(
                    Icons.Filled.Schedule,
                    contentDescription = null,
                    modifier = Modifier.size(14.dp),
                    tint = MaterialTheme.colorScheme.onSurfaceVariant,
                )
                Text(
                    " Sending…",
                    style = MaterialTheme.typography.labelSmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.testTag("pending"),
                )
            }
        is SendState.Failed ->
            Row(modifier, verticalAlignment = Alignment.CenterVertically) {
                Icon(
                    Icons.Filled.ErrorOutline,
                    contentDescription = null,
                    modifier = Modifier.size(14.dp),
                    tint = MaterialTheme.colorScheme.error,
                )
                Text(
                    " Not sent: ${state.reason}",
                    style = MaterialTheme.typography.labelSmall,
                    color = MaterialTheme.colorScheme.error,
                    maxLines = 1,
                    overflow = TextOverflow.Ellipsis,
                    modifier = Modifier.testTag("failed"),
                )
            }
    }
}
