package support.customerservice.android

import android.app.Notification
import android.app.NotificationManager
import android.content.Context
import android.content.Intent
import android.provider.Settings
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import support.customerservice.android.calls.CallActionReceiver
import support.customerservice.android.calls.CallDetails
import support.customerservice.android.calls.CallIntents
import support.customerservice.android.calls.FullScreenIntentAccess
import support.customerservice.android.calls.IncomingCallNotifier
import support.customerservice.android.notifications.NotificationChannels

/** The incoming-call notification as Android receives it: style, category, intents, ringing and timeout. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class IncomingCallNotificationTest {
    private val context: Context = RuntimeEnvironment.getApplication()
    private val manager = context.getSystemService(NotificationManager::class.java)
    private val notifier = IncomingCallNotifier(context, android.R.drawable.sym_call_incoming)
    private val call = CallDetails("c-1", "t-1", "Ann Customer", "Router keeps rebooting")

    @Before fun channels() = NotificationChannels.create(context)

    private fun posted(): Notification? = shadowOf(manager).getNotification("c-1", IncomingCallNotifier.ID)

    @Test
    fun `an incoming call is a call-style notification that rings over the lock screen until its deadline`() {
        notifier.show(call, ringForMs = 27_000)
        val n = assertNotNull(posted())
        assertEquals(Notification.CATEGORY_CALL, n.category)
        assertEquals(NotificationChannels.CALLS, n.channelId)
        assertEquals(27_000, n.timeoutAfter)
        assertTrue(n.flags and Notification.FLAG_INSISTENT != 0, "the ringtone repeats")
        assertTrue(n.flags and Notification.FLAG_ONGOING_EVENT != 0, "cannot be swiped away")
        assertEquals("android.app.Notification\$CallStyle", n.extras.getString(Notification.EXTRA_TEMPLATE))
        assertEquals("Ann Customer", n.extras.getCharSequence(Notification.EXTRA_TITLE).toString())
        assertEquals(Notification.VISIBILITY_PUBLIC, n.visibility)

        val fullScreen = shadowOf(assertNotNull(n.fullScreenIntent))
        assertTrue(fullScreen.isActivityIntent)
        val screen = fullScreen.savedIntent
        assertEquals(CallIntents.INCOMING_CALL_ACTIVITY, screen.component?.className)
        assertEquals(CallIntents.ACTION_RING, screen.action)
        assertEquals(call, CallIntents.details(screen))
    }

    @Test
    fun `answer opens the call screen answering, decline goes to the receiver without opening the app`() {
        val n = notifier.build(call, 30_000, fullScreen = true)
        @Suppress("DEPRECATION")
        val answer = n.extras.getParcelable<android.app.PendingIntent>(Notification.EXTRA_ANSWER_INTENT)
        @Suppress("DEPRECATION")
        val decline = n.extras.getParcelable<android.app.PendingIntent>(Notification.EXTRA_DECLINE_INTENT)
        val answerIntent = shadowOf(assertNotNull(answer))
        assertTrue(answerIntent.isActivityIntent)
        assertEquals(CallIntents.ACTION_ANSWER, answerIntent.savedIntent.action)
        assertEquals("c-1", answerIntent.savedIntent.getStringExtra(CallIntents.EXTRA_CALL_ID))
        val declineIntent = shadowOf(assertNotNull(decline))
        assertTrue(declineIntent.isBroadcastIntent)
        assertEquals(CallActionReceiver::class.java.name, declineIntent.savedIntent.component?.className)
        assertEquals(CallIntents.ACTION_DECLINE, declineIntent.savedIntent.action)
    }

    @Test
    fun `two calls keep their own intents`() {
        val other = call.copy(callId = "c-2")
        val first = shadowOf(notifier.build(call, 30_000, true).fullScreenIntent).savedIntent
        val second = shadowOf(notifier.build(other, 30_000, true).fullScreenIntent).savedIntent
        assertEquals("c-1", first.getStringExtra(CallIntents.EXTRA_CALL_ID))
        assertEquals("c-2", second.getStringExtra(CallIntents.EXTRA_CALL_ID))
    }

    @Test
    fun `during another call the new one is a heads-up notification without the full screen`() {
        notifier.show(call, 30_000, fullScreen = false)
        assertNull(assertNotNull(posted()).fullScreenIntent)
    }

    @Test
    fun `cancelling takes the notification, and so its ringtone, down`() {
        notifier.show(call, 30_000)
        notifier.cancel("c-1")
        assertNull(posted())
    }

    @Test
    fun `the calls channel rings with the ringtone and the ongoing call channel is silent`() {
        val calls = manager.getNotificationChannel(NotificationChannels.CALLS)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, calls.importance)
        assertNotNull(calls.sound)
        assertEquals(android.media.AudioAttributes.USAGE_NOTIFICATION_RINGTONE, calls.audioAttributes.usage)
        assertNull(manager.getNotificationChannel(NotificationChannels.ONGOING_CALL).sound)
    }

    @Test
    fun `the full-screen check follows the system, and the way to the setting is this app's page`() {
        assertEquals(manager.canUseFullScreenIntent(), FullScreenIntentAccess.granted(context))
        val settings: Intent = assertNotNull(FullScreenIntentAccess.settingsIntent(context))
        assertEquals(Settings.ACTION_MANAGE_APP_USE_FULL_SCREEN_INTENT, settings.action)
        assertEquals("package:${context.packageName}", settings.dataString)
    }

    @Test
    fun `a user without full-screen permission is sent to the setting once, not at every start`() {
        // Robolectric's NotificationManager denies full-screen intents, as Android 14+ does before the user allows it.
        assertEquals(false, FullScreenIntentAccess.granted(context))
        assertEquals(true, FullScreenIntentAccess.shouldAsk(context))
        FullScreenIntentAccess.markAsked(context)
        assertEquals(false, FullScreenIntentAccess.shouldAsk(context))
    }
}
