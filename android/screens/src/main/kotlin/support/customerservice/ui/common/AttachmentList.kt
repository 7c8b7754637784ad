package support.customerservice.ui.common

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material.icons.filled.Close
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp

/** Files chosen for sending, with upload progress while [uploading]. */
@Composable
fun PendingAttachments(
    attachments: List<UploadState>,
    uploading: Boolean,
    onRemove: (Int) -> Unit,
    modifier: Modifier = Modifier,
) {
    Column(modifier.fillMaxWidth()) {
        attachments.forEachIndexed { index, a ->
            Row(
                Modifier.fillMaxWidth().testTag("attachment-${a.file.name}"),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Icon(Icons.Filled.AttachFile, contentDescription = null, modifier = Modifier.size(18.dp))
                Column(Modifier.weight(1f).padding(horizontal = 8.dp)) {
                    Text(
                        "${a.file.name} · ${fileSize(a.file.size)}",
                        style = MaterialTheme.typography.bodyMedium,
                        maxLines = 1,
                        overflow = TextOverflow.Ellipsis,
                    )
                    if (uploading) {
                        LinearProgressIndicator(
                            progress = { a.fraction },
                            modifier = Modifier.fillMaxWidth().padding(top = 4.dp).testTag("upload-progress"),
                        )
                    }
                }
                IconButton(onClick = { onRemove(index) }, enabled = !uploading) {
                    Icon(Icons.Filled.Close, contentDescription = "Remove ${a.file.name}")
                }
            }
        }
    }
}
