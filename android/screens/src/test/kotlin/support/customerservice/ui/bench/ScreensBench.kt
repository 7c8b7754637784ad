package support.customerservice.ui.bench

import androidx.compose.runtime.Composable
import androidx.compose.runtime.SideEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.io.path.copyToRecursively
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.InMemoryTokenStore
import support.customerservice.core.SyncState
import support.customerservice.core.silentDevice
import support.customerservice.testing.TestServer
import support.customerservice.ui.call.CallAudio
import support.customerservice.ui.conversation.ConversationEntry
import support.customerservice.ui.conversation.TicketPresenter
import support.customerservice.ui.conversation.TicketScreen
import support.customerservice.ui.theme.CustomerServiceTheme
import support.customerservice.ui.tickets.TicketListPane
import support.customerservice.ui.tickets.TicketListPresenter

/**
 * The screens' benchmarks (BENCHMARKS.md), run by scripts/bench-screens:
 *
 * first-frame CACHE_DIR open the core over a cache of 10,000 tickets and time until a frame of the ticket list shows
 * them message-frame a customer's conversation open; staff post 200 messages at 20/s; time until the frame shows each
 *
 * Frames are rendered offscreen by Skia (ImageComposeScene, phone size) as fast as they go, so a 60 Hz display would
 * add up to 16.7 ms to the second figure. Prints one JSON line per measurement.
 */
fun main(args: Array<String>) {
    when (args.firstOrNull()) {
        "first-frame" -> firstFrame(Path.of(args[1]))
        "message-frame" -> messageFrame()
        else -> error("usage: ScreensBench first-frame CACHE_DIR | message-frame")
    }
}

private const val WIDTH = 411
private const val HEIGHT = 891

private fun percentile(sorted: List<Double>, p: Double) = sorted[((sorted.size - 1) * p).toInt()]

private fun ms(ns: Long) = ns / 1e6

private fun heapUsedMib(): Double {
    System.gc()
    val rt = Runtime.getRuntime()
    return (rt.totalMemory() - rt.freeMemory()) / 1048576.0
}

private fun peakRssMib(): Double =
    File("/proc/self/status")
        .readLines()
        .firstOrNull { it.startsWith("VmHWM:") }
        ?.split(Regex("\\s+"))
        ?.get(1)
        ?.toDouble()
        ?.div(1024) ?: 0.0

/**
 * The UI thread: scenes, presenters and the Flows they collect run on it, as on Android's main thread. Rendering yields
 * between frames so that what the core sent is applied in between.
 */
private val ui =
    Executors.newSingleThreadExecutor { Thread(it, "ui").apply { isDaemon = true } }.asCoroutineDispatcher()

/** How long each frame took to compose, lay out and draw, over the run. */
private val frameNs = mutableListOf<Long>()

/** Renders one frame (its pixels are not needed). */
private fun frame(scene: ImageComposeScene) {
    val start = System.nanoTime()
    scene.render(start).close()
    frameNs += System.nanoTime() - start
}

/** Renders until [done] says a frame showed what it waits for; returns when that frame was drawn. */
private suspend fun renderUntil(scene: ImageComposeScene, done: () -> Boolean, limitMs: Long = 10_000): Long {
    val deadline = System.nanoTime() + limitMs * 1_000_000
    while (true) {
        frame(scene)
        if (done()) return System.nanoTime()
        check(System.nanoTime() < deadline) { "no frame showed it within $limitMs ms" }
        yield()
    }
}

private fun firstFrame(seeded: Path) =
    runBlocking(ui) {
        val samples = mutableListOf<Double>()
        val openMs = mutableListOf<Double>()
        val listMs = mutableListOf<Double>()
        var rows = 0
        repeat(40) { round ->
            // A copy per round: each open is of a cache this process has not opened.
            val dir = Files.createTempDirectory("cs-bench-cache")
            @OptIn(kotlin.io.path.ExperimentalPathApi::class)
            seeded.copyToRecursively(dir, followLinks = false, overwrite = true)
            val scope = CoroutineScope(ui + SupervisorJob())
            val shownAt = AtomicLong(0)
            val started = System.nanoTime()
            // Nothing listens on port 9: the figure is the cache and the UI alone.
            val core = CustomerServiceCore.open("http://127.0.0.1:9", dir.toString(), InMemoryTokenStore())
            val opened = System.nanoTime()
            val presenter = TicketListPresenter(core, scope, staff = true, pageSize = 50)
            val listedAt = AtomicLong(0)
            val watcher = CoroutineScope(Dispatchers.Default + SupervisorJob())
            watcher.launch {
                presenter.state.first { it.tickets.isNotEmpty() }
                listedAt.set(System.nanoTime())
            }
            val scene =
                ImageComposeScene(WIDTH, HEIGHT, Density(1f), coroutineContext = ui) {
                    CustomerServiceTheme(dark = false) {
                        val state by presenter.state.collectAsState()
                        TicketListPane(state, {}, {})
                        if (state.tickets.isNotEmpty())
                            SideEffect {
                                shownAt.compareAndSet(0, System.nanoTime())
                                rows = state.tickets.size
                            }
                    }
                }
            val frame = renderUntil(scene, { shownAt.get() != 0L })
            if (round >= 10) { // the first rounds warm the JVM
                samples += ms(frame - started)
                openMs += ms(opened - started)
                listMs += ms(listedAt.get() - started)
            }
            watcher.cancel()
            scene.close()
            scope.cancel()
            core.close()
            dir.toFile().deleteRecursively()
        }
        val sorted = samples.sorted()
        println(
            """{"bench": "first_frame_ticket_list", "cached_tickets": 10000, "rows": $rows, "rounds": ${sorted.size}, """ +
                """"p50_ms": ${"%.1f".format(percentile(sorted, 0.5))}, "p99_ms": ${"%.1f".format(percentile(sorted, 0.99))}, """ +
                """"max_ms": ${"%.1f".format(sorted.last())}, "core_open_p50_ms": ${"%.1f".format(percentile(openMs.sorted(), 0.5))}, """ +
                """"state_with_rows_p50_ms": ${"%.1f".format(percentile(listMs.sorted(), 0.5))}, "heap_used_mib": ${"%.1f".format(heapUsedMib())}, "peak_rss_mib": ${"%.1f".format(peakRssMib())}}"""
        )
    }

private fun messageFrame() =
    runBlocking(ui) {
        TestServer("bench-message-frame").start().use { server ->
            val department = server.createDepartment("Billing")
            val agentEmail = "bea@bench.example"
            server.createStaff(agentEmail, "Bea", department)
            val dir = Files.createTempDirectory("cs-bench-conversation")
            val scope = CoroutineScope(ui + SupervisorJob())
            // Stamps the moment the core hands over the message, off the UI thread.
            val watcher = CoroutineScope(Dispatchers.Default + SupervisorJob())
            val core = CustomerServiceCore.open(server.url, dir.toString(), InMemoryTokenStore())
            val (me, ticket) =
                run {
                    val me = core.register("carla@bench.example", TestServer.PASSWORD, "Carla")
                    core.refreshDepartments()
                    val t = core.createTicket(department, "Refund", "Charged twice")
                    core.ticketsFlow().first { list -> list.any { it.id == t.id && it.number != null } }
                    core.syncStateFlow().first { it == SyncState.LIVE }
                    me to t.id
                }
            val presenter =
                TicketPresenter(core, scope, ticket, me, { emptyList() }, { _, _, _ -> }, CallAudio { silentDevice() })
            // The body the current round waits for, and when the core handed the
            // screen's presenter the message (its ticket flow) and when a frame showed it.
            val waitingFor = AtomicReference("")
            val arrivedAt = AtomicLong(0)
            val shownAt = AtomicLong(0)
            watcher.launch {
                core.ticketFlow(ticket).collect { d ->
                    if (d.messages.any { it.body == waitingFor.get() }) arrivedAt.compareAndSet(0, System.nanoTime())
                }
            }
            val scene =
                ImageComposeScene(WIDTH, HEIGHT, Density(1f), coroutineContext = ui) {
                    CustomerServiceTheme(dark = false) {
                        val state by presenter.state.collectAsState()
                        TicketScreen(state, {})
                        Shows(state.entries, waitingFor.get(), shownAt)
                    }
                }
            val token = server.login(agentEmail)
            val http = HttpClient.newHttpClient()
            val endToEnd = mutableListOf<Double>()
            val uiOnly = mutableListOf<Double>()
            var framesBeforeWatcher = 0
            for (i in 0 until 210) {
                val body = "message $i"
                waitingFor.set(body)
                arrivedAt.set(0)
                shownAt.set(0)
                val sent = System.nanoTime()
                val request =
                    HttpRequest.newBuilder(URI("${server.url}/v1/tickets/$ticket/messages"))
                        .header("authorization", "Bearer $token")
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(buildJsonObject { put("body", body) }.toString()))
                        .build()
                // The request goes out while frames keep coming, as in an app.
                val response = async(Dispatchers.IO) { http.send(request, HttpResponse.BodyHandlers.ofString()) }
                val frame = renderUntil(scene, { shownAt.get() != 0L })
                val answer = response.await()
                check(answer.statusCode() == 201) { "post: ${answer.statusCode()} ${answer.body()}" }
                // The watcher's subscription may hear of the message after the
                // screen's own did: wait for it rather than count nothing.
                val deadline = System.nanoTime() + 1_000_000_000
                while (arrivedAt.get() == 0L && System.nanoTime() < deadline) yield()
                check(arrivedAt.get() != 0L) { "the core never reported message $i" }
                if (i >= 10) { // the first ten warm up
                    endToEnd += ms(frame - sent)
                    val fromCore = frame - arrivedAt.get()
                    if (fromCore <= 0) framesBeforeWatcher++
                    uiOnly += ms(maxOf(0L, fromCore))
                }
                // 20 messages a second.
                val next = sent + 50_000_000
                while (System.nanoTime() < next) {
                    scene.render(System.nanoTime()).close() // the frame's pixels are not needed
                    yield()
                }
            }
            scene.close()
            scope.cancel()
            watcher.cancel()
            core.close()
            val frames = frameNs.map { it / 1e6 }.sorted()
            val e = endToEnd.sorted()
            val u = uiOnly.sorted()
            println(
                """{"bench": "message_to_frame", "messages": ${e.size}, "rate_per_s": 20, """ +
                    """"post_to_frame_p50_ms": ${"%.1f".format(percentile(e, 0.5))}, "post_to_frame_p99_ms": ${"%.1f".format(percentile(e, 0.99))}, """ +
                    """"core_update_to_frame_p50_ms": ${"%.1f".format(percentile(u, 0.5))}, "core_update_to_frame_p99_ms": ${"%.1f".format(percentile(u, 0.99))}, """ +
                    """"frames_before_the_watchers_update": $framesBeforeWatcher, "frame_render_p50_ms": ${"%.1f".format(percentile(frames, 0.5))}, "frame_render_p99_ms": ${"%.1f".format(percentile(frames, 0.99))}, """ +
                    """"heap_used_mib": ${"%.1f".format(heapUsedMib())}, "peak_rss_mib": ${"%.1f".format(peakRssMib())}}"""
            )
            dir.toFile().deleteRecursively()
        }
    }

/** Marks the first composition whose conversation holds [body]. */
@Composable
private fun Shows(entries: List<ConversationEntry>, body: String, shownAt: AtomicLong) {
    if (entries.any { it is ConversationEntry.Message && it.item.body == body })
        SideEffect { shownAt.compareAndSet(0, System.nanoTime()) }
}
