package support.customerservice.android

import android.content.Intent
import android.net.Uri
import android.provider.OpenableColumns
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.FileProvider
import java.io.File
import kotlin.coroutines.resume
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.contentTypeFor

/**
 * Glue (AndroidX): the system's document picker for attachments (copied into the cache, which the core uploads from)
 * and a viewer app for downloaded attachments (through FileProvider). Register before the activity starts.
 */
class AndroidFiles(private val activity: ComponentActivity) : AttachmentPicker, FileOpener {
    private var waiting: ((List<Uri>) -> Unit)? = null
    private val launcher =
        activity.registerForActivityResult(ActivityResultContracts.OpenMultipleDocuments()) { uris ->
            waiting?.invoke(uris)
            waiting = null
        }

    override suspend fun pick(): List<PickedFile> {
        val uris = suspendCancellableCoroutine { continuation ->
            waiting = { continuation.resume(it) }
            launcher.launch(arrayOf("*/*"))
        }
        return withContext(Dispatchers.IO) { uris.map(::copyToCache) }
    }

    private fun copyToCache(uri: Uri): PickedFile {
        val resolver = activity.contentResolver
        val name =
            resolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { cursor ->
                if (cursor.moveToFirst()) cursor.getString(0) else null
            } ?: "attachment"
        val dir = File(activity.cacheDir, "picked").apply { mkdirs() }
        val file = File.createTempFile("pick", "-$name", dir)
        resolver.openInputStream(uri)!!.use { input -> file.outputStream().use { input.copyTo(it) } }
        val type = resolver.getType(uri) ?: contentTypeFor(name)
        return PickedFile(path = file.path, name = name, size = file.length(), contentType = type)
    }

    override fun open(path: String, name: String, contentType: String) {
        val uri = FileProvider.getUriForFile(activity, "${activity.packageName}.files", File(path))
        val view =
            Intent(Intent.ACTION_VIEW).setDataAndType(uri, contentType).addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        activity.startActivity(Intent.createChooser(view, name))
    }
}
