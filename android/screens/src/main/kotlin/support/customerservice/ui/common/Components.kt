package support.customerservice.ui.common

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CloudOff
import androidx.compose.material.icons.filled.ErrorOutline
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import support.customerservice.core.Priority
import support.customerservice.core.SlaState
import support.customerservice.core.SyncState
import support.customerservice.core.TicketSlaInfo
import support.customerservice.core.TicketStatus
import support.customerservice.ui.theme.AppTheme

/** A small coloured label: a ticket's status or priority. */
@Composable
fun Chip(text: String, container: Color, content: Color, modifier: Modifier = Modifier) {
    Surface(color = container, contentColor = content, shape = RoundedCornerShape(6.dp), modifier = modifier) {
        Text(
            text,
            style = MaterialTheme.typography.labelMedium,
            modifier = Modifier.padding(horizontal = 8.dp, vertical = 2.dp),
        )
    }
}

@Composable
fun StatusChip(status: TicketStatus, modifier: Modifier = Modifier) {
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when (status) {
            TicketStatus.OPEN -> scheme.primaryContainer to scheme.onPrimaryContainer
            TicketStatus.IN_PROGRESS -> scheme.tertiaryContainer to scheme.onTertiaryContainer
            TicketStatus.RESOLVED -> scheme.secondaryContainer to scheme.onSecondaryContainer
            TicketStatus.CLOSED -> scheme.surfaceVariant to scheme.onSurfaceVariant
        }
    Chip(status.label, container, content, modifier)
}

@Composable
fun PriorityChip(priority: Priority, modifier: Modifier = Modifier) {
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when (priority) {
            Priority.URGENT -> AppTheme.extra.urgent to AppTheme.extra.onUrgent
            Priority.HIGH -> AppTheme.extra.high to AppTheme.extra.onHigh
            Priority.NORMAL -> scheme.surfaceVariant to scheme.onSurfaceVariant
            Priority.LOW -> scheme.surfaceContainer to scheme.onSurfaceVariant
        }
    Chip(priority.label, container, content, modifier)
}

/** When a running target is due, or that one was missed; nothing once met or without targets. */
@Composable
fun SlaChip(sla: TicketSlaInfo, nowMs: Long, modifier: Modifier = Modifier) {
    val text = slaLabel(sla, nowMs) ?: return
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when (sla.state) {
            SlaState.BREACHED -> scheme.errorContainer to scheme.onErrorContainer
            SlaState.AT_RISK -> AppTheme.extra.high to AppTheme.extra.onHigh
            else -> scheme.surfaceContainer to scheme.onSurfaceVariant
        }
    Chip(text, container, content, modifier.testTag("sla"))
}

/** A dot for Active (green) or Off (grey), described for screen readers. */
@Composable
fun PresenceDot(active: Boolean, modifier: Modifier = Modifier) {
    val color = if (active) AppTheme.extra.active else AppTheme.extra.off
    Box(
        modifier.size(10.dp).background(color, CircleShape).semantics {
            contentDescription = if (active) "Active" else "Off"
        }
    )
}

/** Shown above a screen while the core is not live. */
@Composable
fun ConnectionBanner(state: SyncState, modifier: Modifier = Modifier) {
    val text =
        when (state) {
            SyncState.OFFLINE -> "Offline: showing saved data. Changes are sent when you're back online."
            SyncState.CONNECTING -> "Connecting…"
            SyncState.SYNCING -> "Catching up…"
            SyncState.SIGNED_OUT -> "Signed out on the server. Sign in again; nothing queued is lost."
            SyncState.LIVE -> return
        }
    val offline = state == SyncState.OFFLINE || state == SyncState.SIGNED_OUT
    Surface(
        color = if (offline) AppTheme.extra.warning else MaterialTheme.colorScheme.surfaceContainerHigh,
        contentColor = if (offline) AppTheme.extra.onWarning else MaterialTheme.colorScheme.onSurfaceVariant,
        modifier = modifier.fillMaxWidth().testTag("connection-banner"),
    ) {
        Row(Modifier.padding(horizontal = 16.dp, vertical = 8.dp), verticalAlignment = Alignment.CenterVertically) {
            if (offline) {
                Icon(Icons.Filled.CloudOff, contentDescription = null, modifier = Modifier.size(18.dp))
                Box(Modifier.size(8.dp))
            }
            Text(text, style = MaterialTheme.typography.bodySmall)
        }
    }
}

/** The whole area says it is loading. */
@Composable
fun LoadingPane(modifier: Modifier = Modifier) {
    Box(modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
        CircularProgressIndicator(Modifier.semantics { contentDescription = "Loading" })
    }
}

/** The whole area explains that there is nothing, or what failed. */
@Composable
fun MessagePane(
    title: String,
    body: String? = null,
    modifier: Modifier = Modifier,
    isError: Boolean = false,
    action: Pair<String, () -> Unit>? = null,
) {
    Column(
        modifier.fillMaxSize().padding(32.dp),
        verticalArrangement = Arrangement.Center,
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        if (isError) {
            Icon(
                Icons.Filled.ErrorOutline,
                contentDescription = null,
                tint = MaterialTheme.colorScheme.error,
                modifier = Modifier.size(40.dp),
            )
        }
        Text(title, style = MaterialTheme.typography.titleMedium, textAlign = TextAlign.Center)
        if (body != null) {
            Text(
                body,
                style = MaterialTheme.typography.bodyMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                textAlign = TextAlign.Center,
                modifier = Modifier.padding(top = 8.dp),
            )
        }
        if (action != null) {
            TextButton(onClick = action.second, modifier = Modifier.padding(top = 8.dp)) { Text(action.first) }
        }
    }
}

/** An error line under a form. */
@Composable
fun ErrorText(text: String, modifier: Modifier = Modifier) {
    Text(
        text,
        color = MaterialTheme.colorScheme.error,
        style = MaterialTheme.typography.bodyMedium,
        modifier = modifier.testTag("error"),
    )
}
