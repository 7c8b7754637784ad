package support.customerservice.android

import android.content.Intent
import android.net.Uri
import android.provider.Settings
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class DeepLinksTest {
    private val context = RuntimeEnvironment.getApplication()
    private val id = UUID.randomUUID().toString()

    @Test
    fun `the app's own link opens the ticket in the main activity`() {
        val intent = DeepLinks.openTicketIntent(context, id)
        assertEquals(DeepLinks.MAIN_ACTIVITY, intent.component?.className)
        assertEquals("customerservice://ticket/$id", intent.dataString)
        assertEquals(id, DeepLinks.ticketId(intent))
    }

    @Test
    fun `a tapped FCM notification's launch intent carries the ticket in its extras`() {
        val launch = Intent(Intent.ACTION_MAIN).putExtra("ticket_id", id).putExtra("type", "message")
        assertEquals(id, DeepLinks.ticketId(launch))
    }

    @Test
    fun `anything that is not a ticket id opens nothing`() {
        assertNull(DeepLinks.ticketId(null))
        assertNull(DeepLinks.ticketId(Intent(Intent.ACTION_MAIN)))
        assertNull(DeepLinks.ticketId(Intent(Intent.ACTION_VIEW, Uri.parse("customerservice://ticket/../../etc"))))
        assertNull(DeepLinks.ticketId(Intent(Intent.ACTION_VIEW, Uri.parse("https://ticket/$id"))))
        assertNull(DeepLinks.ticketId(Intent().putExtra("ticket_id", "42")))
    }

    @Test
    fun `the notification settings page is this app's`() {
        val intent = Permissions.notificationSettings(context)
        assertEquals(Settings.ACTION_APP_NOTIFICATION_SETTINGS, intent.action)
        assertEquals(context.packageName, intent.getStringExtra(Settings.EXTRA_APP_PACKAGE))
    }
}
