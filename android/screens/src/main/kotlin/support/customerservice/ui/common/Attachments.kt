package support.customerservice.ui.common

/** A file the user chose, not yet uploaded. */
data class PickedFile(val path: String, val name: String, val contentType: String, val size: Long)

/**
 * Lets the user choose files: the system picker on Android (copied into app storage first), a file chooser on the
 * desktop, a fixed list in tests. Returns nothing when the user cancels.
 */
fun interface AttachmentPicker {
    suspend fun pick(): List<PickedFile>
}

/** Opens a downloaded attachment with the platform's viewer. */
fun interface FileOpener {
    fun open(path: String, name: String, contentType: String)
}

/**
 * The largest upload the server takes by default (CS_MAX_UPLOAD_BYTES); a server configured lower still answers with a
 * clear error.
 */
const val MAX_UPLOAD_BYTES: Long = 25L * 1024 * 1024

/** An upload under way or failed, shown under the composer. */
data class UploadState(val file: PickedFile, val sentBytes: Long = 0, val error: String? = null) {
    val fraction: Float
        get() = if (file.size <= 0) 0f else (sentBytes.toFloat() / file.size).coerceIn(0f, 1f)
}

/** The types the server accepts (server/src/filestore.rs), checked before uploading. */
val ACCEPTED_TYPES: Set<String> =
    setOf(
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "application/zip",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/quicktime",
        "text/plain",
        "text/csv",
    )

/** Guesses a content type from the file name, as the server checks it. */
fun contentTypeFor(name: String): String =
    when (name.substringAfterLast('.', "").lowercase()) {
        "png" -> "image/png"
        "jpg",
        "jpeg" -> "image/jpeg"
        "gif" -> "image/gif"
        "webp" -> "image/webp"
        "heic" -> "image/heic"
        "pdf" -> "application/pdf"
        "zip" -> "application/zip"
        "mp3" -> "audio/mpeg"
        "m4a" -> "audio/mp4"
        "ogg",
        "oga" -> "audio/ogg"
        "wav" -> "audio/wav"
        "mp4" -> "video/mp4"
        "mov" -> "video/quicktime"
        "txt",
        "log" -> "text/plain"
        "csv" -> "text/csv"
        else -> "application/octet-stream"
    }

/** Why [file] cannot be attached, or `null` when it can. */
fun attachmentProblem(file: PickedFile): String? =
    when {
        file.contentType !in ACCEPTED_TYPES ->
            "${file.name}: this type of file can't be attached (images, PDF, ZIP, audio, video and text can)"
        file.size > MAX_UPLOAD_BYTES -> "${file.name} is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MB"
        file.size == 0L -> "${file.name} is empty"
        else -> null
    }
