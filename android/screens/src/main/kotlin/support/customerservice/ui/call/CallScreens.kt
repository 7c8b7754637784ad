package support.customerservice.ui.call

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Call
import androidx.compose.material.icons.filled.CallEnd
import androidx.compose.material.icons.filled.Mic
import androidx.compose.material.icons.filled.MicOff
import androidx.compose.material.icons.filled.Person
import androidx.compose.material3.FilledIconButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import support.customerservice.core.CallDirection
import support.customerservice.core.CallPhase
import support.customerservice.ui.common.ErrorText
import support.customerservice.ui.common.callDuration

private val AcceptGreen = Color(0xFF1E8E3E)
private val DeclineRed = Color(0xFFD93025)

/** A full-screen call screen: incoming (Accept / Decline) or in call. */
@Composable
fun CallScreen(state: CallState, onEvent: (CallEvent) -> Unit, modifier: Modifier = Modifier) {
    val call = state.call ?: return
    Surface(modifier.fillMaxSize(), color = MaterialTheme.colorScheme.surfaceContainer) {
        Column(
            Modifier.fillMaxSize().padding(24.dp),
            horizontalAlignment = Alignment.CenterHorizontally,
            verticalArrangement = Arrangement.SpaceBetween,
        ) {
            Column(horizontalAlignment = Alignment.CenterHorizontally, modifier = Modifier.padding(top = 48.dp)) {
                Surface(
                    shape = CircleShape,
                    color = MaterialTheme.colorScheme.primaryContainer,
                    modifier = Modifier.size(96.dp),
                ) {
                    Icon(Icons.Filled.Person, contentDescription = null, modifier = Modifier.padding(20.dp))
                }
                Spacer(Modifier.height(16.dp))
                Text(
                    call.callerName ?: if (call.direction == CallDirection.OUTGOING) "Calling…" else "Support",
                    style = MaterialTheme.typography.headlineSmall,
                    textAlign = TextAlign.Center,
                    modifier = Modifier.testTag("call-peer"),
                )
                call.ticketSubject?.let {
                    Text(
                        it,
                        style = MaterialTheme.typography.bodyLarge,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        textAlign = TextAlign.Center,
                    )
                }
                Spacer(Modifier.height(12.dp))
                Text(
                    call.phase.label(call.direction),
                    style = MaterialTheme.typography.titleMedium,
                    modifier = Modifier.testTag("call-phase"),
                )
                if (
                    call.phase == CallPhase.Connected ||
                        call.phase == CallPhase.Reconnecting ||
                        (call.phase is CallPhase.Ended && state.elapsedSeconds > 0)
                ) {
                    Text(
                        callDuration(state.elapsedSeconds),
                        style = MaterialTheme.typography.displaySmall,
                        modifier = Modifier.testTag("call-timer"),
                    )
                }
                state.quality
                    ?.takeIf { call.phase == CallPhase.Connected }
                    ?.let { q ->
                        Text(
                            listOfNotNull(
                                    q.rttMs?.let { "RTT ${it.toInt()} ms" },
                                    q.jitterMs?.let { "jitter ${"%.1f".format(it)} ms" },
                                    "lost ${q.packetsLost}",
                                )
                                .joinToString(" · "),
                            style = MaterialTheme.typography.labelMedium,
                            color = MaterialTheme.colorScheme.onSurfaceVariant,
                            modifier = Modifier.testTag("call-quality"),
                        )
                    }
                if (state.error != null) ErrorText(state.error, Modifier.padding(top = 12.dp))
            }
            when {
                call.phase is CallPhase.Ended -> Spacer(Modifier.height(72.dp))
                state.kind == CallScreenKind.INCOMING ->
                    Row(
                        horizontalArrangement = Arrangement.spacedBy(64.dp),
                        modifier = Modifier.padding(bottom = 32.dp),
                    ) {
                        RoundButton(Icons.Filled.CallEnd, "Decline", DeclineRed, "decline", !state.busy) {
                            onEvent(CallEvent.Decline)
                        }
                        RoundButton(Icons.Filled.Call, "Accept", AcceptGreen, "accept", !state.busy) {
                            onEvent(CallEvent.Accept)
                        }
                    }
                else ->
                    Row(
                        horizontalArrangement = Arrangement.spacedBy(48.dp),
                        modifier = Modifier.padding(bottom = 32.dp),
                    ) {
                        RoundButton(
                            if (call.muted) Icons.Filled.MicOff else Icons.Filled.Mic,
                            if (call.muted) "Unmute" else "Mute",
                            // Muted reads as a switched-on toggle: inverted colours.
                            if (call.muted) MaterialTheme.colorScheme.inverseSurface
                            else MaterialTheme.colorScheme.secondaryContainer,
                            "mute",
                            call.phase != CallPhase.Ringing,
                            contentColor =
                                if (call.muted) MaterialTheme.colorScheme.inverseOnSurface
                                else MaterialTheme.colorScheme.onSecondaryContainer,
                        ) {
                            onEvent(CallEvent.ToggleMute)
                        }
                        RoundButton(Icons.Filled.CallEnd, "Hang up", DeclineRed, "hang-up", !state.busy) {
                            onEvent(CallEvent.HangUp)
                        }
                    }
            }
        }
    }
}

@Composable
private fun RoundButton(
    icon: ImageVector,
    label: String,
    color: Color,
    tag: String,
    enabled: Boolean,
    contentColor: Color = Color.White,
    onClick: () -> Unit,
) {
    Column(horizontalAlignment = Alignment.CenterHorizontally) {
        FilledIconButton(
            onClick = onClick,
            enabled = enabled,
            colors = IconButtonDefaults.filledIconButtonColors(containerColor = color, contentColor = contentColor),
            modifier = Modifier.size(72.dp).testTag(tag),
        ) {
            Icon(icon, contentDescription = label, modifier = Modifier.size(32.dp))
        }
        Text(label, style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 8.dp))
    }
}
