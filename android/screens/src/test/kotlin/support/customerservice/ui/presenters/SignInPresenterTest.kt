package support.customerservice.ui.presenters

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.Role
import support.customerservice.core.UserInfo
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest
import support.customerservice.ui.ScreensTest
import support.customerservice.ui.signin.SignInEvent
import support.customerservice.ui.signin.SignInMode
import support.customerservice.ui.signin.SignInPresenter

class SignInPresenterTest : ScreensTest() {

    private val signedIn = CompletableDeferred<UserInfo>()

    private fun presenter(core: CustomerServiceCore = openCore("device")) =
        SignInPresenter(core, scope, server.url) { signedIn.complete(it) }

    private fun SignInPresenter.fill(email: String, password: String, name: String? = null) {
        onEvent(SignInEvent.EmailChanged(email))
        onEvent(SignInEvent.PasswordChanged(password))
        name?.let { onEvent(SignInEvent.NameChanged(it)) }
    }

    @Test
    fun `submitting a bad email, a short password and no name shows each field's problem and calls nothing`() =
        coreTest {
            val core = openCore("device")
            val presenter = presenter(core)
            presenter.onEvent(SignInEvent.ToggleMode)
            presenter.fill("ann@example", "short", name = "  ")

            presenter.onEvent(SignInEvent.Submit)

            val s = presenter.state.value
            assertEquals(SignInMode.REGISTER, s.mode)
            assertEquals("Enter an email address like name@example.com", s.emailError)
            assertEquals("Use at least 8 characters", s.passwordError)
            assertEquals("Enter your name", s.nameError)
            assertFalse(s.busy)
            delay(500)
            assertFalse(signedIn.isCompleted)
            assertNull(core.currentUser)
            assertFailsWith<IllegalStateException>("no account was made") { server.login("ann@example") }
        }

    @Test
    fun `signing in without a password asks for it and calls nothing`() = coreTest {
        val presenter = presenter()
        presenter.fill("ann@customer.example", "")
        assertFalse(presenter.state.value.canSubmit)

        presenter.onEvent(SignInEvent.Submit)

        val s = presenter.state.value
        assertEquals("Enter your password", s.passwordError)
        assertNull(s.emailError)
        assertNull(s.nameError, "sign-in asks for no name")
        assertFalse(s.busy)
        delay(300)
        assertNull(presenter.state.value.error)
        assertFalse(signedIn.isCompleted)
    }

    @Test
    fun `editing a field clears its own error and the last failure`() = coreTest {
        val presenter = presenter()
        presenter.onEvent(SignInEvent.ToggleMode)
        presenter.onEvent(SignInEvent.Submit)
        with(presenter.state.value) {
            assertTrue(emailError != null && passwordError != null && nameError != null, "$this")
        }

        presenter.onEvent(SignInEvent.EmailChanged("ann@customer.example"))
        with(presenter.state.value) {
            assertNull(emailError)
            assertTrue(passwordError != null && nameError != null, "$this")
        }
        presenter.onEvent(SignInEvent.PasswordChanged(TestServer.PASSWORD))
        with(presenter.state.value) {
            assertNull(passwordError)
            assertTrue(nameError != null, "$this")
        }
        presenter.onEvent(SignInEvent.NameChanged("Ann"))
        assertNull(presenter.state.value.nameError)

        // A failure from the server goes as soon as the user types again.
        staff("Bea Agent")
        presenter.onEvent(SignInEvent.ToggleMode)
        presenter.fill("bea.agent@staff.example", "not the password")
        presenter.onEvent(SignInEvent.Submit)
        presenter.state.probe().awaitMatching("the sign-in refused") { it.error != null && !it.busy }
        presenter.onEvent(SignInEvent.PasswordChanged(TestServer.PASSWORD))
        assertNull(presenter.state.value.error)
    }

    @Test
    fun `a wrong password says so`() = coreTest {
        val email = staff("Bea Agent")
        val presenter = presenter()
        presenter.fill(email, "not the password")

        presenter.onEvent(SignInEvent.Submit)

        assertTrue(presenter.state.value.busy)
        val failed = presenter.state.probe().awaitMatching("the sign-in refused") { !it.busy }
        assertEquals("Wrong email or password.", failed.error)
        assertFalse(signedIn.isCompleted)
    }

    @Test
    fun `an unreachable server says so with its address`() = coreTest {
        val email = staff("Bea Agent")
        val presenter = presenter()
        server.stop()
        presenter.fill(email, TestServer.PASSWORD)

        presenter.onEvent(SignInEvent.Submit)

        val failed = presenter.state.probe().awaitMatching("the sign-in failed") { !it.busy && it.error != null }
        assertEquals("Can't reach the server at ${server.url}. Check your connection and try again.", failed.error)
        assertFalse(signedIn.isCompleted)
    }

    @Test
    fun `signing in hands over the user and forgets the password`() = coreTest {
        val email = staff("Bea Agent")
        val presenter = presenter()
        presenter.fill(" $email ", TestServer.PASSWORD)

        presenter.onEvent(SignInEvent.Submit)

        val user = withTimeout(10.seconds) { signedIn.await() }
        assertEquals("Bea Agent", user.name)
        assertEquals(Role.AGENT, user.role)
        val s = presenter.state.probe().awaitMatching("the form done") { !it.busy }
        assertEquals("", s.password)
        assertNull(s.error)
    }

    @Test
    fun `registering makes a customer account and hands over the user`() = coreTest {
        val core = openCore("device")
        val presenter = presenter(core)
        presenter.onEvent(SignInEvent.ToggleMode)
        presenter.fill(" ann@customer.example ", TestServer.PASSWORD, name = " Ann Lee ")
        assertTrue(presenter.state.value.canSubmit)

        presenter.onEvent(SignInEvent.Submit)

        val user = withTimeout(10.seconds) { signedIn.await() }
        assertEquals("Ann Lee", user.name)
        assertEquals("ann@customer.example", user.email)
        assertEquals(Role.CUSTOMER, user.role)
        assertEquals(user.id, core.currentUser?.id)
        server.login("ann@customer.example") // the account is on the server
    }

    @Test
    fun `registering an email that has an account says to sign in instead`() = coreTest {
        openCore("other").registerCustomer("Ann")
        val presenter = presenter()
        presenter.onEvent(SignInEvent.ToggleMode)
        presenter.fill(customerEmail("Ann"), TestServer.PASSWORD, name = "Ann again")

        presenter.onEvent(SignInEvent.Submit)

        val failed = presenter.state.probe().awaitMatching("the registration refused") { !it.busy && it.error != null }
        assertEquals("An account with this email already exists. Sign in instead.", failed.error)
        assertFalse(signedIn.isCompleted)
    }

    @Test
    fun `toggling the mode switches between sign-in and register and clears the errors`() = coreTest {
        val presenter = presenter()
        presenter.fill("not an email", "")
        presenter.onEvent(SignInEvent.Submit)
        with(presenter.state.value) { assertTrue(emailError != null && passwordError != null, "$this") }

        presenter.onEvent(SignInEvent.ToggleMode)

        with(presenter.state.value) {
            assertEquals(SignInMode.REGISTER, mode)
            assertNull(emailError)
            assertNull(passwordError)
            assertNull(nameError)
            assertNull(error)
            assertEquals("not an email", email, "what was typed stays")
        }
        presenter.onEvent(SignInEvent.Submit)
        assertTrue(presenter.state.value.nameError != null)
        presenter.onEvent(SignInEvent.ToggleMode)
        assertEquals(SignInMode.SIGN_IN, presenter.state.value.mode)
        assertNull(presenter.state.value.nameError)
    }
}
