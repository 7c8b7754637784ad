package support.customerservice.android.push

import android.app.NotificationManager
import android.content.Context
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import support.customerservice.client.push.PushDecision
import support.customerservice.client.push.PushDevice

/** The push self-test's view of this phone: notification permission, FCM token, and the test pushes that arrive. */
class AndroidPushDevice(private val context: Context, private val tokens: PushTokenSource) : PushDevice {
    private val arrivals = MutableSharedFlow<PushDecision.TestArrived>(extraBufferCapacity = 8)

    override fun notificationsAllowed(): Boolean =
        context.getSystemService(NotificationManager::class.java).areNotificationsEnabled()

    override suspend fun token(): String = tokens.token()

    override val testPushes: SharedFlow<PushDecision.TestArrived>
        get() = arrivals

    /** The dispatcher hands every test push here. */
    fun arrived(push: PushDecision.TestArrived) {
        arrivals.tryEmit(push)
    }
}
