package support.customerservice.ui.staff

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Groups
import androidx.compose.material3.Badge
import androidx.compose.material3.BadgedBox
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.unit.dp
import support.customerservice.core.StaffStatus
import support.customerservice.ui.common.PresenceDot
import support.customerservice.ui.common.label

/**
 * The staff top bar's actions: colleagues' presence and the Active/Off switch. [compact] (a phone's ticket screen)
 * keeps only the switch.
 */
@Composable
fun StaffStatusActions(state: StaffStatusState, onEvent: (StaffStatusEvent) -> Unit, compact: Boolean = false) {
    if (!compact) Colleagues(state)
    Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(end = 8.dp)) {
        if (!compact) {
            Text(
                state.status.label,
                style = MaterialTheme.typography.labelLarge,
                modifier = Modifier.padding(end = 6.dp).testTag("my-status"),
            )
        }
        Switch(
            checked = state.active,
            onCheckedChange = { onEvent(StaffStatusEvent.SetActive(it)) },
            enabled = !state.switching,
            modifier =
                Modifier.testTag("status-switch").semantics {
                    contentDescription = "Active for new chats and calls"
                    stateDescription = if (state.active) "Active" else "Off"
                },
        )
    }
}

@Composable
private fun Colleagues(state: StaffStatusState) {
    var showColleagues by remember { mutableStateOf(false) }
    Box {
        IconButton(onClick = { showColleagues = true }, modifier = Modifier.testTag("colleagues")) {
            BadgedBox(
                badge = {
                    if (state.activeColleagues > 0) {
                        Badge(
                            containerColor = MaterialTheme.colorScheme.secondaryContainer,
                            contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
                        ) {
                            Text("${state.activeColleagues}")
                        }
                    }
                }
            ) {
                Icon(Icons.Filled.Groups, contentDescription = "Colleagues: ${state.activeColleagues} active")
            }
        }
        DropdownMenu(expanded = showColleagues, onDismissRequest = { showColleagues = false }) {
            if (state.colleagues.isEmpty()) {
                DropdownMenuItem(text = { Text("No colleagues yet") }, onClick = { showColleagues = false })
            }
            for (c in state.colleagues) {
                DropdownMenuItem(
                    text = { Text("${c.name} · ${c.status.label}") },
                    leadingIcon = { PresenceDot(c.status == StaffStatus.ACTIVE) },
                    onClick = { showColleagues = false },
                    modifier = Modifier.testTag("colleague-${c.name}"),
                )
            }
        }
    }
}
