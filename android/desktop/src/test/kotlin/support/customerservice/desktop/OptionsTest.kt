package support.customerservice.desktop

import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test

class OptionsTest {
    private val env = mapOf<String, String>()

    @Test
    fun `the defaults start against a local server with the system's audio and theme`() {
        val o = parseOptions(emptyArray(), env)
        assertEquals("http://127.0.0.1:8080", o.server)
        assertEquals(AudioChoice.SYSTEM, o.audio)
        assertEquals(null, o.dark)
        assertTrue(o.dataDir.endsWith(Path.of(".local", "share", "cs-desktop")))
    }

    @Test
    fun `every option is read, in any order`() {
        val o =
            parseOptions(
                arrayOf(
                    "--audio",
                    "tone",
                    "--server",
                    "https://support.example.com/",
                    "--data-dir",
                    "/tmp/x",
                    "--dark",
                ),
                env,
            )
        assertEquals(Options("https://support.example.com", Path.of("/tmp/x"), AudioChoice.TONE, true), o)
    }

    @Test
    fun `CS_SERVER gives the server when no option does`() {
        assertEquals(
            "http://10.0.0.2:8080",
            parseOptions(emptyArray(), mapOf("CS_SERVER" to "http://10.0.0.2:8080")).server,
        )
    }

    @Test
    fun `bad input is refused with a message that says what is wrong`() {
        assertTrue(
            "needs a value" in
                assertFailsWith<IllegalArgumentException> { parseOptions(arrayOf("--server"), env) }.message!!
        )
        assertTrue(
            "not loud" in
                assertFailsWith<IllegalArgumentException> { parseOptions(arrayOf("--audio", "loud"), env) }.message!!
        )
        assertTrue(
            "http" in
                assertFailsWith<IllegalArgumentException> { parseOptions(arrayOf("--server", "ftp://x"), env) }
                    .message!!
        )
        assertTrue(
            "unknown option --fast" in
                assertFailsWith<IllegalArgumentException> { parseOptions(arrayOf("--fast"), env) }.message!!
        )
    }
}
