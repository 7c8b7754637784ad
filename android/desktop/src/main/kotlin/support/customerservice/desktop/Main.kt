package support.customerservice.desktop

import androidx.compose.ui.unit.DpSize
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import java.nio.file.Files
import java.nio.file.Path
import kotlin.system.exitProcess
import kotlinx.coroutines.Dispatchers
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.CoreException
import support.customerservice.ui.app.AppGraph
import support.customerservice.ui.app.CustomerServiceApp

/** What the command line chose. */
data class Options(val server: String, val dataDir: Path, val audio: AudioChoice, val dark: Boolean?)

const val USAGE =
    """usage: app [--server URL] [--data-dir DIR] [--audio system|tone|silent] [--dark|--light]

  --server URL     the Customer Service server (default http://127.0.0.1:8080, or CS_SERVER)
  --data-dir DIR   the session, cache and outbox (default ~/.local/share/cs-desktop; one per account)
  --audio KIND     call audio: system (microphone and speakers, the default), tone (a 440 Hz test
                   tone, nothing played), or silent
  --dark, --light  the theme (default: the system's)"""

fun parseOptions(args: Array<String>, env: Map<String, String> = System.getenv()): Options {
    var server = env["CS_SERVER"] ?: "http://127.0.0.1:8080"
    var dataDir = Path.of(System.getProperty("user.home"), ".local", "share", "cs-desktop")
    var audio = AudioChoice.SYSTEM
    var dark: Boolean? = null
    val rest = args.iterator()
    while (rest.hasNext()) {
        when (val arg = rest.next()) {
            "--server" -> server = rest.valueOf(arg)
            "--data-dir" -> dataDir = Path.of(rest.valueOf(arg))
            "--audio" -> {
                val kind = rest.valueOf(arg)
                audio =
                    AudioChoice.entries.firstOrNull { it.name.equals(kind, ignoreCase = true) }
                        ?: throw IllegalArgumentException("--audio takes system, tone or silent, not $kind")
            }
            "--dark" -> dark = true
            "--light" -> dark = false
            "-h",
            "--help" -> throw IllegalArgumentException(USAGE)
            else -> throw IllegalArgumentException("unknown option $arg\n$USAGE")
        }
    }
    require(server.startsWith("http://") || server.startsWith("https://")) {
        "--server must be an http:// or https:// URL"
    }
    return Options(server.trimEnd('/'), dataDir, audio, dark)
}

private fun Iterator<String>.valueOf(option: String): String =
    if (hasNext()) next() else throw IllegalArgumentException("$option needs a value")

fun main(args: Array<String>) {
    val options =
        try {
            parseOptions(args)
        } catch (e: IllegalArgumentException) {
            System.err.println(e.message)
            exitProcess(2)
        }
    Files.createDirectories(options.dataDir)
    val core =
        try {
            CustomerServiceCore.open(
                options.server,
                options.dataDir.toString(),
                FileTokenStore(options.dataDir.resolve("session")),
            )
        } catch (e: CoreException) {
            System.err.println("cannot open the app's data in ${options.dataDir}: $e")
            exitProcess(1)
        }
    val graph =
        AppGraph(
            core = core,
            serverUrl = options.server,
            picker = SwingFilePicker(),
            opener = DesktopFileOpener(options.dataDir.resolve("opened")),
            audio = callAudio(options.audio),
            presenterContext = Dispatchers.Main,
            reportExporter = DownloadsExporter(),
        )
    application {
        Window(
            onCloseRequest = {
                core.close()
                exitApplication()
            },
            title = "Customer Service",
            state = rememberWindowState(size = DpSize(1200.dp, 800.dp)),
        ) {
            if (options.dark == null) CustomerServiceApp(graph) else CustomerServiceApp(graph, dark = options.dark)
        }
    }
}
