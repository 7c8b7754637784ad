package support.customerservice.desktop

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermission
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class FileTokenStoreTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `a saved token is read back by a new store, only its owner can read it, and clear forgets it`() {
        val path = dir.resolve("app/session")
        assertNull(FileTokenStore(path).load(), "nothing saved yet")
        FileTokenStore(path).save("token-1")
        FileTokenStore(path).save("token-2")
        assertEquals("token-2", FileTokenStore(path).load())
        assertEquals(
            setOf(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
            Files.getPosixFilePermissions(path),
        )
        FileTokenStore(path).clear()
        assertFalse(Files.exists(path))
        assertNull(FileTokenStore(path).load())
    }
}
