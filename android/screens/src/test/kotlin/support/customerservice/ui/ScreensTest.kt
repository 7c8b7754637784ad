package support.customerservice.ui

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.TestInfo
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.InMemoryTokenStore
import support.customerservice.core.AudioAnalyser
import support.customerservice.core.AudioDevice
import support.customerservice.core.TokenStore
import support.customerservice.core.audioAnalyser
import support.customerservice.core.combinedDevice
import support.customerservice.core.toneSource
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.AppGraph
import support.customerservice.ui.call.CallAudio
import support.customerservice.ui.common.AttachmentPicker
import support.customerservice.ui.common.FileOpener
import support.customerservice.ui.common.PickedFile
import support.customerservice.ui.common.contentTypeFor

/**
 * A real server per test, with two departments and their staff, and the cores of the people in the test (each in its
 * own data directory, closed at the end). Presenters run in [scope], on real threads: the core answers from its own.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ScreensTest {
    protected lateinit var server: TestServer
    protected lateinit var billing: String
    protected lateinit var tech: String

    @TempDir protected lateinit var dir: Path

    private val cores = mutableListOf<CustomerServiceCore>()
    protected val scope = CoroutineScope(Dispatchers.Default + SupervisorJob())

    @BeforeEach
    fun startServer(info: TestInfo) {
        val name = "${javaClass.simpleName}.${info.testMethod.get().name}".replace(Regex("[^A-Za-z0-9._-]+"), "_")
        server = TestServer(name).start()
        billing = server.createDepartment("Billing")
        tech = server.createDepartment("Technical support")
    }

    @AfterEach
    fun stopServer() {
        // The presenters end first, and are waited for: a flow still
        // subscribing would otherwise call a core already closed.
        runBlocking { scope.coroutineContext.job.cancelAndJoin() }
        cores.forEach { it.close() }
        server.close()
    }

    /** A new device's core for [who] (a fresh cache, unless [who]'s was opened before), media on loopback. */
    protected fun openCore(who: String, tokens: TokenStore = InMemoryTokenStore()): CustomerServiceCore =
        CustomerServiceCore.open(server.url, dir.resolve(who).toString(), tokens).also {
            it.client.configureCallMedia(listOf("127.0.0.1:0"), false)
            cores += it
        }

    /** A staff member's account in [department]; returns the email to sign in with. */
    protected fun staff(name: String, department: String = billing, role: String = "agent"): String {
        val email = name.lowercase().replace(' ', '.') + "@staff.example"
        server.createStaff(email, name, department, role)
        return email
    }

    /** A small file the pickers in tests hand out. */
    protected fun file(name: String, bytes: ByteArray): PickedFile {
        val path = Files.createDirectories(dir.resolve("files")).resolve(name)
        Files.write(path, bytes)
        return PickedFile(path.toString(), name, contentTypeFor(name), bytes.size.toLong())
    }

    /** A 1×1 PNG, accepted by the server's content check. */
    protected fun png(name: String = "screenshot.png"): PickedFile =
        file(
            name,
            java.util.Base64.getDecoder()
                .decode(
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
                ),
        )

    /** What a test's call audio sends (a tone) and heard (an analyser). */
    class TestAudio(private val hz: Double) : CallAudio {
        val heard: AudioAnalyser = audioAnalyser()

        override fun device(): AudioDevice = combinedDevice(toneSource(hz, 0.3), listOf(heard.asDevice()))
    }

    /** Hands out the files it is given, one batch per pick. */
    class TestPicker(vararg batches: List<PickedFile>) : AttachmentPicker {
        private val queue = ArrayDeque(batches.toList())

        override suspend fun pick(): List<PickedFile> = queue.removeFirstOrNull() ?: emptyList()
    }

    /** Remembers what the app asked to open. */
    class TestOpener : FileOpener {
        val opened = mutableListOf<Pair<String, String>>()

        override fun open(path: String, name: String, contentType: String) {
            synchronized(opened) { opened += path to name }
        }
    }

    protected fun graph(
        core: CustomerServiceCore,
        picker: AttachmentPicker = TestPicker(),
        audio: CallAudio = TestAudio(440.0),
        opener: FileOpener = TestOpener(),
    ) = AppGraph(core, server.url, picker, opener, audio, Dispatchers.Default)
}
