package support.customerservice.client.push

import kotlin.test.assertIs
import kotlin.test.fail
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.client.ServerTest
import support.customerservice.core.TestPushOutcome
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/**
 * Against a real server without FCM: the test-push endpoint answers "not registered" (404) for an unknown token and
 * "push is off" (503) for a registered one, which tells whether the registrar registered it.
 */
class PushRegistrarTest : ServerTest() {

    private suspend fun awaitRegistered(core: CustomerServiceCore, token: String) {
        withTimeoutOrNull(10_000) { while (core.sendTestPush(token) !is TestPushOutcome.PushDisabled) delay(50) }
            ?: fail("$token was not registered")
    }

    @Test
    fun `the token is registered once the signed-in session is live, and a new token at once`() = coreTest {
        openCore().use { core ->
            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            assertIs<TestPushOutcome.NotRegistered>(core.sendTestPush("token-1"))
            val registrar = PushRegistrar(core, scope) { "token-1" }
            registrar.start()
            awaitRegistered(core, "token-1")

            registrar.onNewToken("token-2")
            awaitRegistered(core, "token-2")
        }
    }

    @Test
    fun `without a token yet nothing is registered, and the first token is`() = coreTest {
        openCore().use { core ->
            core.register("ann@x.example", TestServer.PASSWORD, "Ann")
            val registrar = PushRegistrar(core, scope) { null }
            registrar.start()
            delay(500)
            assertIs<TestPushOutcome.NotRegistered>(core.sendTestPush("token-1"))
            registrar.onNewToken("token-1")
            awaitRegistered(core, "token-1")
        }
    }

    @Test
    fun `signing out drops the device on the server`() {
        openCore().use { core ->
            runBlocking {
                core.register("ann@x.example", TestServer.PASSWORD, "Ann")
                core.registerPushToken("token-1")
                core.signOut()
                core.signIn("ann@x.example", TestServer.PASSWORD)
                assertIs<TestPushOutcome.NotRegistered>(core.sendTestPush("token-1"))
            }
        }
    }
}
