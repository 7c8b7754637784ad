package support.customerservice.ui.settings

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.layout.wrapContentWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Error
import androidx.compose.material.icons.filled.RadioButtonUnchecked
import androidx.compose.material.icons.filled.RemoveCircleOutline
import androidx.compose.material.icons.filled.Sync
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import support.customerservice.client.push.PushCheckResult
import support.customerservice.client.push.PushCheckStep

private fun PushCheckStep.title(): String =
    when (this) {
        PushCheckStep.NOTIFICATIONS -> "Notifications allowed"
        PushCheckStep.TOKEN -> "This device's push address"
        PushCheckStep.SERVER -> "The server sends a test push"
        PushCheckStep.FCM -> "Firebase accepts it"
        PushCheckStep.DELIVERY -> "The push arrives here"
    }

/** "Check notifications": each step of a push's way, and where it stopped. [onOpenSettings] opens the system page. */
@Composable
fun PushCheckScreen(
    state: PushCheckState,
    onEvent: (PushCheckEvent) -> Unit,
    modifier: Modifier = Modifier,
    onOpenSettings: (() -> Unit)? = null,
) {
    Column(
        modifier
            .fillMaxSize()
            .verticalScroll(rememberScrollState())
            .padding(16.dp)
            .wrapContentWidth(Alignment.Start)
            .widthIn(max = 640.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(
            "Checks each step a notification takes to reach this device, and shows where it stops.",
            style = MaterialTheme.typography.bodyMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        for (step in PushCheckStep.entries) StepRow(step, state.statuses.getValue(step))
        state.summary?.let { summary ->
            val failed = state.result is PushCheckResult.Failed
            Surface(
                color =
                    if (failed) MaterialTheme.colorScheme.errorContainer
                    else MaterialTheme.colorScheme.secondaryContainer,
                shape = MaterialTheme.shapes.medium,
                modifier = Modifier.fillMaxWidth(),
            ) {
                Text(
                    summary,
                    Modifier.padding(16.dp).testTag("push-check-summary"),
                    style = MaterialTheme.typography.bodyMedium,
                )
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(
                onClick = { onEvent(PushCheckEvent.Run) },
                enabled = !state.running,
                modifier = Modifier.testTag("push-check-run"),
            ) {
                Text(if (state.running) "Checking…" else "Check again")
            }
            if (state.canOpenSettings && onOpenSettings != null) {
                OutlinedButton(onClick = onOpenSettings, modifier = Modifier.testTag("push-check-settings")) {
                    Text("Open settings")
                }
            }
        }
    }
}

@Composable
private fun StepRow(step: PushCheckStep, status: StepStatus) {
    val colors = MaterialTheme.colorScheme
    val (icon, tint, label) =
        when (status) {
            StepStatus.WAITING -> Triple(Icons.Filled.RadioButtonUnchecked, colors.outline, "waiting")
            StepStatus.RUNNING -> Triple(Icons.Filled.Sync, colors.primary, "checking")
            StepStatus.PASSED -> Triple(Icons.Filled.CheckCircle, colors.primary, "passed")
            StepStatus.FAILED -> Triple(Icons.Filled.Error, colors.error, "failed")
            StepStatus.SKIPPED -> Triple(Icons.Filled.RemoveCircleOutline, colors.outline, "not reached")
        }
    Row(
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.spacedBy(12.dp),
        modifier = Modifier.fillMaxWidth().testTag("push-step-${step.name.lowercase()}"),
    ) {
        Icon(icon, contentDescription = label, tint = tint, modifier = Modifier.size(24.dp))
        Column {
            Text(step.title(), style = MaterialTheme.typography.bodyLarge)
            Text(label, style = MaterialTheme.typography.labelSmall, color = colors.onSurfaceVariant)
        }
    }
}
