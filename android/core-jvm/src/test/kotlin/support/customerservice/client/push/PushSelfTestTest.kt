package support.customerservice.client.push

import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import support.customerservice.client.ServerTest
import support.customerservice.core.CoreException
import support.customerservice.core.TestPushOutcome
import support.customerservice.testing.TestServer

class PushSelfTestTest : ServerTest() {
    private var clock = 5_000L

    /** A phone whose FCM delivers [deliver]'s pushes the moment the server sends its test push. */
    private inner class FakeDevice(
        val allowed: Boolean = true,
        val token: Result<String> = Result.success("fcm-token-1"),
    ) : PushDevice {
        override val testPushes = MutableSharedFlow<PushDecision.TestArrived>()

        override fun notificationsAllowed() = allowed

        override suspend fun token(): String = token.getOrThrow()
    }

    /** A server that answers [outcome] and, when it sent, has FCM deliver [deliver] after 120 ms. */
    private inner class FakeServer(
        val device: FakeDevice,
        val outcome: TestPushOutcome = TestPushOutcome.Sent("push-1", 0),
        val deliver: List<String> = listOf("push-1"),
    ) : PushCheckServer {
        val registered = mutableListOf<String>()

        override suspend fun registerPushToken(token: String) {
            registered += token
        }

        override suspend fun sendTestPush(token: String): TestPushOutcome {
            if (outcome is TestPushOutcome.Sent) {
                for (id in deliver) {
                    clock += 60
                    device.testPushes.emit(PushDecision.TestArrived(id, 0, clock))
                }
            }
            return outcome
        }
    }

    private fun check(device: FakeDevice, server: PushCheckServer, timeoutMs: Long = 2_000): PushCheckResult =
        runBlocking {
            PushSelfTest(device, server, timeoutMs, now = { clock }).run()
        }

    @Test
    fun `every step passes and the round trip is measured on the device`() {
        val device = FakeDevice()
        val server = FakeServer(device)
        val steps = mutableListOf<PushCheckStep>()
        val result = runBlocking { PushSelfTest(device, server, now = { clock }).run { steps += it } }
        assertEquals(PushCheckResult.Passed(roundTripMs = 60), result)
        assertEquals(PushCheckStep.entries.filter { it != PushCheckStep.FCM }, steps)
        assertEquals(listOf("fcm-token-1"), server.registered, "the token is registered before the test")
    }

    @Test
    fun `a stray test push from an earlier run is not taken for this one`() {
        val device = FakeDevice()
        val result = check(device, FakeServer(device, deliver = listOf("push-0", "push-1")))
        assertEquals(PushCheckResult.Passed(roundTripMs = 120), result)
    }

    @Test
    fun `notifications turned off fail the first step`() {
        val device = FakeDevice(allowed = false)
        val result = check(device, FakeServer(device))
        assertEquals(PushCheckStep.NOTIFICATIONS, (result as PushCheckResult.Failed).step)
    }

    @Test
    fun `no token fails the token step with the reason`() {
        val device = FakeDevice(token = Result.failure(IllegalStateException("SERVICE_NOT_AVAILABLE")))
        val result = check(device, FakeServer(device)) as PushCheckResult.Failed
        assertEquals(PushCheckStep.TOKEN, result.step)
        assertTrue("SERVICE_NOT_AVAILABLE" in result.reason, result.reason)
    }

    @Test
    fun `FCM refusing the token or the server's credentials fails the FCM step`() {
        val device = FakeDevice()
        for (outcome in
            listOf(TestPushOutcome.TokenRejected("gone"), TestPushOutcome.FcmFailed("push_auth_failed", "refused"))) {
            val result = check(device, FakeServer(device, outcome)) as PushCheckResult.Failed
            assertEquals(PushCheckStep.FCM, result.step, "$outcome")
        }
    }

    @Test
    fun `a push that never arrives fails the delivery step`() {
        val device = FakeDevice()
        val result = check(device, FakeServer(device, deliver = emptyList()), timeoutMs = 300)
        assertEquals(PushCheckStep.DELIVERY, (result as PushCheckResult.Failed).step)
    }

    @Test
    fun `against a real server without push credentials the server step says push is off`() {
        openCore().use { core ->
            runBlocking { core.register("ann@example.com", TestServer.PASSWORD, "Ann") }
            val result = check(FakeDevice(), core) as PushCheckResult.Failed
            assertEquals(
                PushCheckResult.Failed(PushCheckStep.SERVER, "Push notifications are off on this server."),
                result,
            )
        }
    }

    @Test
    fun `against a real server, a token the account never registered is reported, not thrown`() {
        openCore().use { core ->
            runBlocking {
                core.register("ann@example.com", TestServer.PASSWORD, "Ann")
                val outcome = core.sendTestPush("never-registered")
                assertIs<TestPushOutcome.NotRegistered>(outcome)
            }
        }
    }

    @Test
    fun `signed out, the server step says to sign in`() {
        openCore().use { core ->
            val result = check(FakeDevice(), core) as PushCheckResult.Failed
            assertEquals(PushCheckStep.SERVER, result.step)
            assertTrue("sign in" in result.reason, result.reason)
        }
    }

    @Test
    fun `an offline server is a server-step failure, not a crash`() {
        val device = FakeDevice()
        val offline =
            object : PushCheckServer {
                override suspend fun registerPushToken(token: String) =
                    throw CoreException.Offline("the server cannot be reached")

                override suspend fun sendTestPush(token: String) = error("not reached")
            }
        val result = check(device, offline) as PushCheckResult.Failed
        assertEquals(PushCheckStep.SERVER, result.step)
    }
}
