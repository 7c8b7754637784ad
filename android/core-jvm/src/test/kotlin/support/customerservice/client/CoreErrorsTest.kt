package support.customerservice.client

import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import org.junit.jupiter.api.Test
import support.customerservice.core.CoreException
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/** Refusals reach Kotlin as the core's typed exceptions, with their message. */
class CoreErrorsTest : ServerTest() {

    @Test
    fun `bad input raises the typed CoreException with its message and queues nothing`() = coreTest {
        val department = server.createDepartment("Support")
        openCore().use { core ->
            val signedOut =
                assertFailsWith<CoreException.Unauthorized> { core.createTicket(department, "Printer", "It jams.") }
            assertContains(signedOut.message.orEmpty(), "sign in first")

            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            val blank = assertFailsWith<CoreException.Invalid> { core.createTicket(department, "   ", "It jams.") }
            assertContains(blank.message.orEmpty(), "subject must not be empty")
            val badId = assertFailsWith<CoreException.Invalid> { core.sendMessage("not-an-id", "hello") }
            assertContains(badId.message.orEmpty(), "\"not-an-id\" is not an id")
            assertEquals(0L, core.pendingCount())

            // From the server, through a suspend call.
            assertFailsWith<CoreException.Unauthorized> { core.signIn("ann@x.example", "wrong password") }
        }
    }

    @Test
    fun `a server url the core cannot use is refused when opening`() {
        val refused =
            assertFailsWith<CoreException.Invalid> {
                CustomerServiceCore.open("ftp://nowhere", appDir.resolve("cache").toString(), InMemoryTokenStore())
            }
        assertContains(refused.message.orEmpty(), "ftp://nowhere")
    }
}
