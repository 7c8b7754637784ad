package support.customerservice.android

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking

/**
 * Glue (Firebase): every push's data map to [support.customerservice.android.push.PushDispatcher], every new token to
 * the registration. FCM calls these on a background thread and gives about 10 s, so blocking here is what it expects.
 */
class FirebasePushService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        runBlocking { appServices.dispatcher.onPush(message.data) }
    }

    override fun onNewToken(token: String) = appServices.onNewToken(token)
}
