package support.customerservice.android

import android.app.PendingIntent
import android.content.ComponentName
import android.content.Context
import android.content.Intent
import android.net.Uri
import java.util.UUID

/**
 * Links into the app: `customerservice://ticket/<id>` from our notifications, and the `ticket_id` extra that the system
 * puts in the launch intent when the user taps an FCM notification shown while the app was in the background. Both open
 * the ticket from the cache at once.
 */
object DeepLinks {
    /** The app's main activity (glue: MainActivity). */
    const val MAIN_ACTIVITY = "support.customerservice.android.MainActivity"
    const val SCHEME = "customerservice"
    private const val EXTRA_TICKET_ID = "ticket_id"

    fun ticketUri(ticketId: String): Uri = Uri.Builder().scheme(SCHEME).authority("ticket").appendPath(ticketId).build()

    fun openTicketIntent(context: Context, ticketId: String): Intent =
        Intent(Intent.ACTION_VIEW, ticketUri(ticketId))
            .setComponent(ComponentName(context.packageName, MAIN_ACTIVITY))
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_SINGLE_TOP)

    fun openTicket(context: Context, ticketId: String): PendingIntent =
        PendingIntent.getActivity(
            context,
            ticketId.hashCode(),
            openTicketIntent(context, ticketId),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )

    /** The ticket an intent opens, or `null`; anything that is not a ticket id is ignored. */
    fun ticketId(intent: Intent?): String? {
        intent ?: return null
        val fromUri = intent.data?.takeIf { it.scheme == SCHEME && it.host == "ticket" }?.pathSegments?.singleOrNull()
        return (fromUri ?: intent.getStringExtra(EXTRA_TICKET_ID))?.takeIf(::isId)
    }

    private fun isId(value: String) = runCatching { UUID.fromString(value) }.isSuccess && value.length == 36
}
