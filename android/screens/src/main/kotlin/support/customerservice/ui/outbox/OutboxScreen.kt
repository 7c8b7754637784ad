package support.customerservice.ui.outbox

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import support.customerservice.core.OutboxItem
import support.customerservice.core.OutboxKind
import support.customerservice.core.SendState
import support.customerservice.ui.common.ConnectionBanner
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.LoadingPane
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.common.shortTime

@Composable
fun OutboxScreen(state: OutboxState, onEvent: (OutboxEvent) -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize()) {
        ConnectionBanner(state.sync)
        if (state.error != null && state.items.isNotEmpty()) ErrorText(state.error, Modifier.padding(16.dp))
        when {
            state.loading -> LoadingPane()
            state.items.isEmpty() && state.error != null ->
                MessagePane("Couldn't read the outbox", state.error, isError = true)
            state.items.isEmpty() ->
                MessagePane("Everything is sent", "Changes you make offline wait here until the server has them.")
            else ->
                LazyColumn(Modifier.fillMaxSize().testTag("outbox")) {
                    items(state.items, key = { it.id }) { item ->
                        OutboxRow(item, state.tickets[item.ticketId], onEvent)
                        HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                    }
                }
        }
    }
}

@Composable
private fun OutboxRow(item: OutboxItem, ticket: String?, onEvent: (OutboxEvent) -> Unit) {
    val what =
        when (item.kind) {
            OutboxKind.CREATE_TICKET -> "New ticket"
            OutboxKind.SEND_MESSAGE -> "Message"
            OutboxKind.UPDATE_TICKET -> "Ticket change"
            OutboxKind.RATE_TICKET -> "Rating"
        }
    Column(
        Modifier.fillMaxWidth().padding(16.dp).testTag("outbox-${item.id}"),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Text(
                listOfNotNull(what, ticket?.takeIf { item.kind != OutboxKind.CREATE_TICKET }).joinToString(" · "),
                style = MaterialTheme.typography.labelLarge,
                maxLines = 1,
                overflow = androidx.compose.ui.text.style.TextOverflow.Ellipsis,
                modifier = Modifier.weight(1f),
            )
            Text(
                shortTime(item.createdAtMs),
                style = MaterialTheme.typography.labelSmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        Text(item.summary, style = MaterialTheme.typography.bodyMedium, maxLines = 3)
        when (val s = item.state) {
            SendState.Pending,
            SendState.Sent ->
                Text(
                    "Waiting for the server",
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            is SendState.Failed -> {
                ErrorText("Refused: ${s.reason}")
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(
                        onClick = { onEvent(OutboxEvent.Retry(item.id)) },
                        modifier = Modifier.testTag("retry-${item.id}"),
                    ) {
                        Text("Retry")
                    }
                    TextButton(
                        onClick = { onEvent(OutboxEvent.Discard(item.id)) },
                        modifier = Modifier.testTag("discard-${item.id}"),
                    ) {
                        Text("Discard")
                    }
                }
            }
        }
    }
}
