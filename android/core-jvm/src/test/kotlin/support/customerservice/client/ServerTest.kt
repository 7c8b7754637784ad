package support.customerservice.client

import java.nio.file.Path
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.TestInfo
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import support.customerservice.testing.TestServer

/**
 * A real server per test, and a directory for the app's cache. The hard timeout (on its own thread) fails a test even
 * when a call into the core blocks and the coroutine timeouts cannot fire.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class ServerTest {
    protected lateinit var server: TestServer

    @TempDir protected lateinit var appDir: Path

    @BeforeEach
    fun startServer(info: TestInfo) {
        val name = "${javaClass.simpleName}.${info.testMethod.get().name}".replace(Regex("[^A-Za-z0-9._-]+"), "_")
        server = TestServer(name).start()
    }

    @AfterEach
    fun stopServer() {
        server.close()
    }

    /** The app's core over [appDir], as the app opens it at start. */
    protected fun openCore(tokens: InMemoryTokenStore = InMemoryTokenStore()): CustomerServiceCore =
        CustomerServiceCore.open(server.url, appDir.resolve("cache").toString(), tokens)
}
