package support.customerservice.android

import com.google.firebase.messaging.FirebaseMessaging
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine
import support.customerservice.android.push.PushTokenSource

/** Glue (Firebase): this device's FCM token. */
object FirebaseTokenSource : PushTokenSource {
    override suspend fun token(): String = suspendCancellableCoroutine { continuation ->
        FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
            if (task.isSuccessful) continuation.resume(task.result)
            else continuation.resumeWithException(task.exception ?: IllegalStateException("FCM gave no token"))
        }
    }
}
