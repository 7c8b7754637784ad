package support.customerservice.desktop

import java.awt.Desktop
import java.awt.FileDialog
import java.awt.Frame
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.contentTypeFor

/** The system's file dialog (AWT: it looks native on each desktop). */
class SwingFilePicker : AttachmentPicker {
    override suspend fun pick(): List<PickedFile> =
        withContext(Dispatchers.Main) {
            val dialog =
                FileDialog(null as Frame?, "Attach files", FileDialog.LOAD).apply {
                    isMultipleMode = true
                    isVisible = true // blocks until the user chooses or cancels
                }
            dialog.files.orEmpty().map { it.toPickedFile() }
        }
}

fun File.toPickedFile(): PickedFile = PickedFile(absolutePath, name, contentTypeFor(name), length())

/**
 * Opens a downloaded attachment with the desktop's default application. The core keeps downloads under their id; a copy
 * under the real name in [dir] lets the viewer know the type.
 */
class DesktopFileOpener(private val dir: Path) : FileOpener {
    override fun open(path: String, name: String, contentType: String) {
        Files.createDirectories(dir)
        val named = dir.resolve(File(name).name.ifEmpty { "attachment" })
        Files.copy(Path.of(path), named, StandardCopyOption.REPLACE_EXISTING)
        if (Desktop.isDesktopSupported() && Desktop.getDesktop().isSupported(Desktop.Action.OPEN)) {
            Desktop.getDesktop().open(named.toFile())
        } else {
            System.err.println("saved $name to $named (this desktop cannot open files)")
        }
    }
}
