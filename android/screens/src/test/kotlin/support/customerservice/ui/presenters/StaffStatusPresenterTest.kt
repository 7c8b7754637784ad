package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.delay
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.StaffStatus
import support.customerservice.core.UserInfo
import support.customerservice.testing.CoreTest
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.staff.StaffStatusEvent
import support.customerservice.ui.staff.StaffStatusPresenter

class StaffStatusPresenterTest : ScreensTest() {

    private suspend fun signIn(device: String, email: String): Pair<CustomerServiceCore, UserInfo> {
        val core = openCore(device)
        return core to core.signIn(email, TestServer.PASSWORD)
    }

    private fun presenter(core: CustomerServiceCore, me: UserInfo) =
        StaffStatusPresenter(core, scope, me.id, me.status ?: StaffStatus.OFF)

    /** Waits until [core]'s colleagues show [name] as [status]. */
    private suspend fun CoreTest.seesStatus(core: CustomerServiceCore, name: String, status: StaffStatus) {
        core.colleaguesFlow().probe().awaitMatching("$name $status") { c ->
            c.any { it.name == name && it.status == status }
        }
    }

    @Test
    fun `colleagues are listed without me, Active first`() = coreTest {
        staff("Cid Agent")
        staff("Eve Tech", department = tech)
        val dee = staff("Dee Agent")
        signIn("dee", dee).first.setStatus(StaffStatus.ACTIVE)
        val (bea, me) = signIn("bea", staff("Bea Agent"))

        val s = presenter(bea, me).state.probe().awaitMatching("the colleagues") { it.colleagues.size == 2 }

        assertEquals(
            listOf("Dee Agent" to StaffStatus.ACTIVE, "Cid Agent" to StaffStatus.OFF),
            s.colleagues.map { it.name to it.status },
        )
        assertEquals(1, s.activeColleagues)
        assertEquals(StaffStatus.OFF, s.status, "staff start Off")
    }

    @Test
    fun `switching Active, then Off, reaches the server and the colleagues`() = coreTest {
        val (cidEmail, beaEmail) = staff("Cid Agent") to staff("Bea Agent")
        val (cid, _) = signIn("cid", cidEmail)
        val (bea, me) = signIn("bea", beaEmail)
        awaitLive(cid)
        val presenter = presenter(bea, me)
        assertFalse(presenter.state.value.active)

        presenter.onEvent(StaffStatusEvent.SetActive(true))

        // The switch shows at once: still in flight, or (on a fast loopback) already done.
        presenter.state.value.let { assertTrue(it.switching || it.active) }
        val active = presenter.state.probe().awaitMatching("Active") { !it.switching && it.active }
        assertNull(active.error)
        seesStatus(cid, "Bea Agent", StaffStatus.ACTIVE)

        presenter.onEvent(StaffStatusEvent.SetActive(false))

        val off = presenter.state.probe().awaitMatching("Off") { !it.switching && it.status == StaffStatus.OFF }
        assertNull(off.error)
        seesStatus(cid, "Bea Agent", StaffStatus.OFF)
        assertEquals("off", server.call("GET", "/v1/me", server.login(me.email)).jsonObject.text("status"))
    }

    @Test
    fun `switching to the status already shown does nothing`() = coreTest {
        val (bea, me) = signIn("bea", staff("Bea Agent"))
        val presenter = presenter(bea, me)

        presenter.onEvent(StaffStatusEvent.SetActive(false))

        assertFalse(presenter.state.value.switching)
        delay(500)
        assertEquals(StaffStatus.OFF, presenter.state.value.status)
        assertNull(presenter.state.value.error)
    }

    @Test
    fun `a switch on another device shows here`() = coreTest {
        val email = staff("Bea Agent")
        val (laptop, me) = signIn("laptop", email)
        val (phone, _) = signIn("phone", email)
        awaitLive(laptop)
        val presenter = presenter(laptop, me)

        phone.setStatus(StaffStatus.ACTIVE)

        presenter.state.probe().awaitMatching("Active from the phone") { it.active }
    }

    @Test
    fun `switching while the server is down keeps the status and says why`() = coreTest {
        val (bea, me) = signIn("bea", staff("Bea Agent"))
        val presenter = presenter(bea, me)
        server.stop()
        awaitOffline(bea)

        presenter.onEvent(StaffStatusEvent.SetActive(true))

        val failed = presenter.state.probe().awaitMatching("the switch failed") { !it.switching && it.error != null }
        assertEquals(
            "Could not switch Active: Can't reach the server. Check your connection and try again.",
            failed.error,
        )
        assertEquals(StaffStatus.OFF, failed.status)
        presenter.onEvent(StaffStatusEvent.DismissError)
        assertNull(presenter.state.value.error)
    }
}
