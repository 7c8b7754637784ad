package support.customerservice.ui.common

import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.AttachmentItem

/**
 * Uploads [files] one after another, reporting each one's progress through [onProgress] (index, bytes sent). Uploads
 * need the server: the first failure stops and is thrown, with the files uploaded so far dropped.
 */
suspend fun CustomerServiceCore.uploadAll(
    files: List<PickedFile>,
    onProgress: (index: Int, sentBytes: Long) -> Unit,
): List<AttachmentItem> =
    files.mapIndexed { index, file ->
        uploadFile(file.path, file.contentType) { sent, _ -> onProgress(index, sent) }
            .also { onProgress(index, file.size) }
    }
