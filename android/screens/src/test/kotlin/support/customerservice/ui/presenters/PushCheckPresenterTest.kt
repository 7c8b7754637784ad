package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlinx.coroutines.flow.MutableSharedFlow
import org.junit.jupiter.api.Test
import support.customerservice.client.push.PushCheckResult
import support.customerservice.client.push.PushCheckServer
import support.customerservice.client.push.PushCheckStep
import support.customerservice.client.push.PushDecision
import support.customerservice.client.push.PushDevice
import support.customerservice.client.push.PushSelfTest
import support.customerservice.core.TestPushOutcome
import support.customerservice.testing.coreTest
import support.customerservice.ui.settings.PushCheckEvent
import support.customerservice.ui.settings.PushCheckPresenter
import support.customerservice.ui.settings.StepStatus

/** The "Check notifications" screen's steps against a phone whose pushes arrive, or do not. */
class PushCheckPresenterTest {
    private class Phone(var allowed: Boolean = true, var deliver: Boolean = true) : PushDevice, PushCheckServer {
        override val testPushes = MutableSharedFlow<PushDecision.TestArrived>(extraBufferCapacity = 4)
        private var sent = 0

        override fun notificationsAllowed() = allowed

        override suspend fun token() = "token"

        override suspend fun registerPushToken(token: String) = Unit

        override suspend fun sendTestPush(token: String): TestPushOutcome {
            val id = "push-${++sent}"
            if (deliver) testPushes.tryEmit(PushDecision.TestArrived(id, 0, System.currentTimeMillis()))
            return TestPushOutcome.Sent(id, System.currentTimeMillis())
        }
    }

    @Test
    fun `opening the screen runs the check and every step passes`() = coreTest {
        val phone = Phone()
        val presenter = PushCheckPresenter(PushSelfTest(phone, phone), scope)
        val done = presenter.state.probe().awaitMatching("the check done") { it.result != null }
        assertEquals(PushCheckStep.entries.associateWith { StepStatus.PASSED }, done.statuses)
        assertEquals(true, done.result is PushCheckResult.Passed)
        presenter.close()
    }

    @Test
    fun `a push that never comes fails the last step, and checking again after a fix passes`() = coreTest {
        val phone = Phone(deliver = false)
        val presenter = PushCheckPresenter(PushSelfTest(phone, phone, deliveryTimeoutMs = 300), scope)
        val failed = presenter.state.probe().awaitMatching("the check failed") { it.result != null }
        assertEquals(StepStatus.FAILED, failed.statuses[PushCheckStep.DELIVERY])
        assertEquals(StepStatus.PASSED, failed.statuses[PushCheckStep.FCM])
        assertEquals(false, failed.canOpenSettings)

        phone.deliver = true
        presenter.onEvent(PushCheckEvent.Run)
        presenter.state.probe().awaitMatching("passed on the second run") { it.result is PushCheckResult.Passed }
        presenter.close()
    }

    @Test
    fun `notifications turned off stop the check at once and offer the settings`() = coreTest {
        val phone = Phone(allowed = false)
        val presenter = PushCheckPresenter(PushSelfTest(phone, phone), scope)
        val failed = presenter.state.probe().awaitMatching("the check failed") { it.result != null }
        assertEquals(StepStatus.FAILED, failed.statuses[PushCheckStep.NOTIFICATIONS])
        assertEquals(StepStatus.SKIPPED, failed.statuses[PushCheckStep.DELIVERY])
        assertEquals(true, failed.canOpenSettings)
        presenter.close()
    }
}
