package support.customerservice.desktop

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.PosixFilePermissions
import support.customerservice.core.TokenStore

/**
 * The session token in a file only its owner can read, as the terminal client keeps it: the desktop's counterpart of
 * the phone's Keystore. Written to a temporary file first and moved into place, so a crash never leaves half a token.
 * (The core's own `fileTokenStore` is a Rust object and cannot be handed back to the core as a Kotlin `TokenStore`.)
 */
class FileTokenStore(private val path: Path) : TokenStore {
    override fun load(): String? =
        try {
            Files.readString(path).trim().ifEmpty { null }
        } catch (_: java.io.IOException) {
            null
        }

    override fun save(token: String) {
        Files.createDirectories(path.parent)
        val partial = path.resolveSibling("${path.fileName}.part")
        Files.deleteIfExists(partial)
        try {
            Files.createFile(
                partial,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")),
            )
        } catch (_: UnsupportedOperationException) {
            Files.createFile(partial) // not a POSIX file system (Windows): the user's profile protects it
        }
        Files.writeString(partial, token)
        Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
    }

    override fun clear() {
        Files.deleteIfExists(path)
    }
}
