package support.customerservice.ui

import androidx.compose.foundation.layout.padding
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.ui.Modifier
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performScrollTo
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import support.customerservice.ui.preview.Fixtures
import support.customerservice.ui.report.ReportScreen
import support.customerservice.ui.report.ReportState
import support.customerservice.ui.theme.CustomerServiceTheme

/**
 * The report's lower half on a phone, where the figures fill the first screen: the chart and the agents, scrolled to,
 * written to target/screenshots/states/ beside [ScreenStatesTest]'s.
 */
class ReportScreenTest {
    private val states =
        listOf(
            "report-7-days" to Fixtures.report7,
            "report-90-days" to Fixtures.report90,
            "report-admin-exported" to Fixtures.reportAdminExported,
        )

    @OptIn(ExperimentalMaterial3Api::class)
    @TestFactory
    fun `the chart and the agents render below the figures on a phone`(): List<DynamicTest> =
        states.flatMap { (name, state): Pair<String, ReportState> ->
            listOf(false, true).map { dark ->
                val file = "$name-phone-scrolled-${if (dark) "dark" else "light"}"
                DynamicTest.dynamicTest(file) {
                    runScreenTest(Device.PHONE) {
                        setContent {
                            CustomerServiceTheme(dark = dark) {
                                Scaffold(topBar = { TopAppBar(title = { Text("Daily report") }) }) { padding ->
                                    ReportScreen(state, {}, Modifier.padding(padding))
                                }
                            }
                        }
                        onNodeWithTag("report-agents").performScrollTo()
                        onNodeWithTag("report-chart").assertExists()
                        screenshot("states/$file")
                    }
                }
            }
        }
}
