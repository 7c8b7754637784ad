package support.customerservice.android.push

/** This device's FCM token: Firebase in the app (glue: FirebaseTokenSource), a fixed value in tests. */
interface PushTokenSource {
    /** The current token, fetched when needed; throws with a readable message when FCM cannot give one. */
    suspend fun token(): String

    /** The token without asking FCM (null before the first one): what registration uses at start. */
    suspend fun cachedToken(): String? = runCatching { token() }.getOrNull()
}
