package support.customerservice.client

import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import org.junit.jupiter.api.Test
import support.customerservice.core.SyncState
import support.customerservice.testing.TestServer
import support.customerservice.testing.coreTest

/** The core keeps the session in the app's TokenStore. */
class SessionTest : ServerTest() {

    @Test
    fun `the session survives a restart of the app and sign-out clears it`() = coreTest {
        val tokens = InMemoryTokenStore()
        val me = openCore(tokens).use { core -> core.register("ann@x.example", TestServer.PASSWORD, "Ann") }
        assertNotNull(tokens.token, "saved on sign-in")

        openCore(tokens).use { core ->
            assertEquals(me, core.currentUser, "restored from the token store and the cache")
            core.syncStateFlow().probe().awaitMatching("live on the restored session") { it == SyncState.LIVE }
            core.signOut()
            assertNull(core.currentUser)
            assertNull(tokens.token, "cleared on sign-out")
        }
    }
}
