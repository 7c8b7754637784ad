package support.customerservice.android

import android.app.Application
import java.io.File
import javax.crypto.KeyGenerator
import support.customerservice.android.calls.ClosableAudio
import support.customerservice.android.push.PushTokenSource
import support.customerservice.android.security.TokenKey
import support.customerservice.core.silentDevice

/**
 * The Application under Robolectric: the real [AppServices] over a real core, pointed at a test's server; the Keystore
 * key is a software key (Robolectric has no Keystore daemon) and the FCM token is fixed.
 */
class TestApplication : Application(), AppServicesOwner {
    override lateinit var services: AppServices

    fun startServices(serverUrl: String, audio: () -> ClosableAudio = ::SilentAudio): AppServices {
        services =
            AppServices(
                context = this,
                serverUrl = serverUrl,
                smallIcon = android.R.drawable.sym_call_incoming,
                tokenSource = FixedToken("fcm-test-token"),
                tokenKey = softwareKey(),
                openAudio = audio,
            )
        services.start()
        return services
    }

    companion object {
        fun softwareKey(): TokenKey {
            val key = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
            return TokenKey { key }
        }

        fun dataDir(app: Application) = File(app.filesDir, "core")
    }
}

class FixedToken(private val token: String) : PushTokenSource {
    override suspend fun token() = token
}

/** The core's silent device, closable. */
class SilentAudio : ClosableAudio {
    private val device = silentDevice()
    var closed = false
        private set

    override fun captureFrame(): List<Short> = device.captureFrame()

    override fun playFrame(pcm: List<Short>) = device.playFrame(pcm)

    override fun close() {
        closed = true
    }
}
