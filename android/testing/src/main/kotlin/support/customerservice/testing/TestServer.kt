package support.customerservice.testing

import java.io.IOException
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put

/**
 * The real server (`target/debug/server`) as a child process on a fixed port and data directory, so that it can be
 * stopped and started again the way a phone sees its server go away and come back. Its output goes to
 * `target/server-logs/<name>.log`.
 */
class TestServer(name: String) : AutoCloseable {
    companion object {
        const val ADMIN_EMAIL = "admin@test.example"
        const val PASSWORD = "correct horse battery"
        private val STARTUP = Duration.ofSeconds(30)
        private val STOP = Duration.ofSeconds(10)
    }

    private val binary: Path =
        Path.of(System.getProperty("cs.server.binary") ?: error("set -Dcs.server.binary (scripts/test-jvm does)"))
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val dataDir: Path = Files.createTempDirectory("cs-server-")
    val log: Path = Path.of(System.getProperty("cs.server.logs", "target/server-logs")).resolve("$name.log")
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
    private var process: Process? = null

    /** Starts the server (again, over the same data) and waits for `/healthz`. */
    fun start(): TestServer {
        check(process == null) { "already running" }
        Files.createDirectories(log.parent)
        val started =
            ProcessBuilder(binary.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .apply {
                    environment() +=
                        mapOf(
                            "CS_ADDR" to "127.0.0.1:$port",
                            "CS_DATA_DIR" to dataDir.toString(),
                            "CS_ADMIN_EMAIL" to ADMIN_EMAIL,
                            "CS_ADMIN_PASSWORD" to PASSWORD,
                            // The daily report takes in changes every 100 ms instead of 5 s.
                            "CS_REPORT_UPDATE_MS" to "100",
                            "NO_COLOR" to "1",
                        )
                }
                .start()
        process = started
        val deadline = System.nanoTime() + STARTUP.toNanos()
        while (true) {
            check(started.isAlive) { "the server exited with ${started.exitValue()}; see $log" }
            if (healthy()) return this
            check(System.nanoTime() < deadline) { "the server was not healthy within $STARTUP; see $log" }
            Thread.sleep(50)
        }
    }

    /** Stops the server as an operator would (SIGTERM), killing it if it lingers. */
    fun stop() {
        val running = process ?: return
        process = null
        running.destroy()
        if (!running.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
            running.destroyForcibly()
            running.waitFor()
        }
    }

    override fun close() {
        stop()
        dataDir.toFile().deleteRecursively()
    }

    private fun healthy(): Boolean =
        try {
            send(HttpRequest.newBuilder(URI("$url/healthz")).GET()).statusCode() == 200
        } catch (_: IOException) {
            false
        }

    // The HTTP API, for what the tests do outside the Kotlin layer.

    fun login(email: String, password: String = PASSWORD): String =
        call(
                "POST",
                "/v1/auth/login",
                body =
                    buildJsonObject {
                        put("email", email)
                        put("password", password)
                    },
            )
            .jsonObject
            .string("token")

    /** A department, made by the admin; returns its id. */
    fun createDepartment(name: String): String =
        call("POST", "/v1/departments", login(ADMIN_EMAIL), buildJsonObject { put("name", name) })
            .jsonObject
            .string("id")

    /** A staff account (role `agent`, `supervisor` or `admin`), made by the admin; returns its id. */
    fun createStaff(email: String, name: String, departmentId: String, role: String = "agent"): String =
        call(
                "POST",
                "/v1/staff",
                login(ADMIN_EMAIL),
                buildJsonObject {
                    put("email", email)
                    put("name", name)
                    put("password", PASSWORD)
                    put("role", role)
                    put("department_id", departmentId)
                },
            )
            .jsonObject
            .string("id")

    /** The bodies of a ticket's messages on the server, oldest first. */
    fun messageBodies(ticketId: String, token: String): List<String> =
        call("GET", "/v1/tickets/$ticketId/messages", token).jsonObject.getValue("messages").jsonArray.map {
            it.jsonObject.string("body")
        }

    fun call(method: String, path: String, token: String? = null, body: JsonObject? = null): JsonElement {
        val request =
            HttpRequest.newBuilder(URI("$url$path"))
                .timeout(Duration.ofSeconds(10))
                .method(
                    method,
                    body?.let { HttpRequest.BodyPublishers.ofString(it.toString()) }
                        ?: HttpRequest.BodyPublishers.noBody(),
                )
                .header("content-type", "application/json")
        token?.let { request.header("authorization", "Bearer $it") }
        val response = send(request)
        check(response.statusCode() in 200..299) { "$method $path: ${response.statusCode()} ${response.body()}" }
        return Json.parseToJsonElement(response.body())
    }

    private fun send(request: HttpRequest.Builder): HttpResponse<String> =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString())

    private fun JsonObject.string(key: String): String = getValue(key).jsonPrimitive.content
}
