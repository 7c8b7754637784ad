package support.customerservice.ui

import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import kotlin.test.assertFalse
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import support.customerservice.testing.TestServer
import support.customerservice.ui.app.CustomerServiceApp

/** Supervisors reach the daily report from the top bar's menu, beside canned replies; agents have no such entry. */
class ReportFlowTest : ScreensTest() {

    @Test
    fun `a supervisor opens the daily report and switches to 30 days, and an agent has no entry`() {
        val sue = openCore("sue")
        runBlocking { sue.signIn(staff("Sue Supervisor", role = "supervisor"), TestServer.PASSWORD) }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(sue), dark = false) }
            waitForTag("more")
            onNodeWithTag("more").performClick()
            waitForTag("daily-report")
            onNodeWithTag("daily-report").performClick()
            waitForTag("figure-Opened")
            waitForText("Daily report · Billing")
            screenshot("flows/8-report-phone")
            onNodeWithTag("range-30").performClick()
            waitFor("the 30 days' report", hasTestTag("report-days"))
            waitForNo("the request", hasTestTag("report-updating"))
            screenshot("flows/8-report-30-days-phone")
        }

        val bea = openCore("bea")
        runBlocking { bea.signIn(staff("Bea Billing"), TestServer.PASSWORD) }
        runScreenTest(Device.PHONE) {
            setContent { CustomerServiceApp(graph(bea), dark = false) }
            waitForTag("sign-out")
            if (shows(hasTestTag("more"))) onNodeWithTag("more").performClick()
            assertFalse(shows(hasTestTag("daily-report")), "an agent has no daily report entry")
        }
    }
}
