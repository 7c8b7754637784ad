package support.customerservice.ui.conversation

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import support.customerservice.core.CannedReplyItem

/** The canned-reply picker above the composer: the ticket's department's replies whose title has [query]. */
data class CannedPickerState(
    val query: String = "",
    val replies: List<CannedReplyItem> = emptyList(),
    /** The first read of the cache is done (until then "no replies" would be a guess). */
    val loaded: Boolean = false,
)

/** Search by title, pick one: its text, filled in for the ticket, goes into the composer to edit. */
@Composable
fun CannedPicker(
    state: CannedPickerState,
    onQuery: (String) -> Unit,
    onPick: (CannedReplyItem) -> Unit,
    onClose: () -> Unit,
) {
    Surface(
        color = MaterialTheme.colorScheme.surface,
        tonalElevation = 2.dp,
        shape = MaterialTheme.shapes.medium,
        modifier = Modifier.fillMaxWidth().padding(bottom = 6.dp).testTag("canned-picker"),
    ) {
        Column(Modifier.padding(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                OutlinedTextField(
                    value = state.query,
                    onValueChange = onQuery,
                    placeholder = { Text("Search canned replies by title") },
                    leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                    singleLine = true,
                    modifier = Modifier.weight(1f).testTag("canned-search"),
                )
                IconButton(onClick = onClose, modifier = Modifier.testTag("canned-close")) {
                    Icon(Icons.Filled.Close, contentDescription = "Close canned replies")
                }
            }
            when {
                !state.loaded -> {}
                state.replies.isEmpty() ->
                    Text(
                        if (state.query.isBlank()) "Your department has no canned replies yet."
                        else "No canned reply's title contains “${state.query.trim()}”.",
                        style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        modifier = Modifier.padding(8.dp),
                    )
                else ->
                    LazyColumn(Modifier.heightIn(max = 220.dp)) {
                        items(state.replies, key = { it.id }) { reply ->
                            Column(
                                Modifier.fillMaxWidth()
                                    .heightIn(min = 48.dp)
                                    .clickable { onPick(reply) }
                                    .padding(horizontal = 8.dp, vertical = 6.dp)
                                    .testTag("canned-${reply.title}")
                            ) {
                                Text(reply.title, style = MaterialTheme.typography.labelLarge)
                                Text(
                                    reply.body.replace('\n', ' '),
                                    style = MaterialTheme.typography.bodySmall,
                                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                                    maxLines = 1,
                                    overflow = TextOverflow.Ellipsis,
                                )
                            }
                            HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                        }
                    }
            }
        }
    }
}
