package support.customerservice.android.security

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.AtomicFile
import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import support.customerservice.core.TokenStore

/** Where the token store's AES key lives: the Android Keystore on a phone, a plain key in tests. */
fun interface TokenKey {
    /** The key, created on first use. */
    fun get(): SecretKey
}

/**
 * The app's AES-256 key in the Android Keystore: created once, never leaves the secure hardware (or the Keystore
 * daemon), usable only for AES-GCM with a fresh IV per encryption.
 */
class AndroidKeystoreKey(private val alias: String = ALIAS) : TokenKey {
    override fun get(): SecretKey {
        val keyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }
        (keyStore.getEntry(alias, null) as? KeyStore.SecretKeyEntry)?.let {
            return it.secretKey
        }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        generator.init(spec(alias))
        return generator.generateKey()
    }

    companion object {
        const val PROVIDER = "AndroidKeyStore"
        const val ALIAS = "customer-service-session"

        /** What the key may do: encrypt and decrypt with AES-GCM, the IV chosen by the Keystore. */
        fun spec(alias: String): KeyGenParameterSpec =
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .build()
    }
}

/**
 * The session token, encrypted with AES-GCM under a Keystore key, in a file of the app's private storage. The file is
 * `[IV length][IV][ciphertext and tag]`, written atomically (AtomicFile), so a crash never leaves half a token.
 *
 * A file that cannot be decrypted (the key was wiped: a restore to another phone, a lock-screen reset on some devices)
 * reads as signed out and is deleted: the user signs in again; nothing else is lost. The core calls these from its own
 * threads.
 */
class KeystoreTokenStore(file: File, private val key: TokenKey = AndroidKeystoreKey()) : TokenStore {
    private val file = AtomicFile(file)

    @Synchronized
    override fun load(): String? {
        val bytes =
            try {
                file.readFully()
            } catch (_: IOException) {
                return null
            }
        return try {
            decrypt(bytes)
        } catch (_: GeneralSecurityException) {
            file.delete()
            null
        } catch (_: IllegalArgumentException) {
            file.delete()
            null
        }
    }

    @Synchronized
    override fun save(token: String) {
        val sealed = encrypt(token)
        val out = file.startWrite()
        try {
            out.write(sealed)
            file.finishWrite(out)
        } catch (e: IOException) {
            file.failWrite(out)
            throw e
        }
    }

    @Synchronized
    override fun clear() {
        file.delete()
    }

    private fun encrypt(token: String): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key.get())
        val iv = cipher.iv
        val sealed = cipher.doFinal(token.toByteArray(Charsets.UTF_8))
        return byteArrayOf(iv.size.toByte()) + iv + sealed
    }

    private fun decrypt(bytes: ByteArray): String {
        require(bytes.isNotEmpty()) { "empty token file" }
        val ivLength = bytes[0].toInt()
        require(ivLength in 12..16 && bytes.size > 1 + ivLength) { "not a token file" }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key.get(), GCMParameterSpec(TAG_BITS, bytes, 1, ivLength))
        val plain = cipher.doFinal(bytes, 1 + ivLength, bytes.size - 1 - ivLength)
        return String(plain, Charsets.UTF_8)
    }

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
    }
}
