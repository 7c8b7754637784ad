package support.customerservice.android

import android.security.keystore.KeyProperties
import java.io.File
import kotlin.io.path.createTempDirectory
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import support.customerservice.android.security.AndroidKeystoreKey
import support.customerservice.android.security.KeystoreTokenStore

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class KeystoreTokenStoreTest {
    private val dir = createTempDirectory("tokens").toFile()
    private val file = File(dir, "session.token")
    private val key = TestApplication.softwareKey()

    @Test
    fun `a saved token reads back, encrypted on disk, and clears`() {
        val store = KeystoreTokenStore(file, key)
        assertNull(store.load())
        store.save("secret-session-token")
        assertEquals("secret-session-token", KeystoreTokenStore(file, key).load(), "a new process reads it")
        assertFalse("secret-session-token" in file.readText(Charsets.ISO_8859_1), "not in the clear")
        store.clear()
        assertNull(store.load())
        assertFalse(file.exists())
    }

    @Test
    fun `each save uses a fresh IV`() {
        val store = KeystoreTokenStore(file, key)
        store.save("same")
        val first = file.readBytes()
        store.save("same")
        assertFalse(first.contentEquals(file.readBytes()))
    }

    @Test
    fun `a file the key cannot open reads as signed out and is removed`() {
        KeystoreTokenStore(file, key).save("token")
        // The Keystore key was wiped (restored to another phone): a new key cannot decrypt.
        assertNull(KeystoreTokenStore(file, TestApplication.softwareKey()).load())
        assertFalse(file.exists())
    }

    @Test
    fun `a damaged file reads as signed out`() {
        val store = KeystoreTokenStore(file, key)
        store.save("token")
        val bytes = file.readBytes()
        bytes[bytes.size - 1] = (bytes.last() + 1).toByte() // the GCM tag no longer matches
        file.writeBytes(bytes)
        assertNull(store.load())
        file.writeBytes(byteArrayOf(99, 1, 2))
        assertNull(store.load())
    }

    @Test
    fun `the Keystore key is AES-256 for GCM only, with the IV chosen by the Keystore`() {
        val spec = AndroidKeystoreKey.spec("alias")
        assertEquals("alias", spec.keystoreAlias)
        assertEquals(256, spec.keySize)
        assertContentEquals(arrayOf(KeyProperties.BLOCK_MODE_GCM), spec.blockModes)
        assertContentEquals(arrayOf(KeyProperties.ENCRYPTION_PADDING_NONE), spec.encryptionPaddings)
        assertTrue(spec.isRandomizedEncryptionRequired)
        assertEquals(KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT, spec.purposes)
    }
}
