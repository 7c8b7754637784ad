package support.customerservice.android.notifications

import android.app.Notification
import android.app.NotificationManager
import android.content.Context
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeoutOrNull
import support.customerservice.android.DeepLinks
import support.customerservice.client.CustomerServiceCore
import support.customerservice.core.MessageItem

/**
 * Chat and ticket-status notifications while the app runs (in the background the system shows FCM's own, in the same
 * channel and with the same tag). One notification per ticket, the newest replacing the older; tapping it opens the
 * ticket (from the cache at once).
 */
class MessageNotifier(
    private val context: Context,
    private val smallIcon: Int,
    private val syncWaitMs: Long = SYNC_WAIT_MS,
) {
    private val manager = context.getSystemService(NotificationManager::class.java)

    /** Shows the message: its text once the core has synced it (a few seconds at most), else a generic line. */
    suspend fun showMessage(core: CustomerServiceCore, ticketId: String, messageId: String) {
        val detail =
            withTimeoutOrNull(syncWaitMs) {
                core.ticketFlow(ticketId).first { detail -> detail.messages.any { it.id == messageId } }
            }
        val subject = detail?.ticket?.subject ?: core.ticket(ticketId)?.subject
        val message = detail?.messages?.firstOrNull { it.id == messageId }
        show(ticketId, subject ?: "Customer Service", message?.let(::line) ?: "New message")
    }

    suspend fun showStatus(core: CustomerServiceCore, ticketId: String, status: String) {
        val subject = core.ticket(ticketId)?.subject ?: "Your ticket"
        show(ticketId, subject, "Your ticket is ${status.replace('_', ' ')}")
    }

    /** The ticket's first resolution asks for a rating; tapping opens the ticket, which shows where to rate. */
    suspend fun askRating(core: CustomerServiceCore, ticketId: String) {
        val subject = core.ticket(ticketId)?.subject ?: "Your ticket"
        show(ticketId, subject, "Your ticket is resolved. How did we do? Tap to rate us.")
    }

    /** To a supervisor: one of the department's tickets missed a target; tapping opens it. */
    suspend fun showSlaBreach(core: CustomerServiceCore, ticketId: String, number: Long, target: String) {
        val subject = core.ticket(ticketId)?.subject ?: "Ticket #$number"
        val missed = if (target == "first_response") "first-response" else "resolution"
        show(ticketId, subject, "Ticket #$number missed its $missed target.")
    }

    fun build(ticketId: String, title: String, text: String): Notification =
        Notification.Builder(context, NotificationChannels.MESSAGES)
            .setSmallIcon(smallIcon)
            .setContentTitle(title)
            .setContentText(text)
            .setStyle(Notification.BigTextStyle().bigText(text))
            .setCategory(Notification.CATEGORY_MESSAGE)
            .setAutoCancel(true)
            .setContentIntent(DeepLinks.openTicket(context, ticketId))
            .build()

    /** Removes the ticket's notification (the user opened the ticket). */
    fun clear(ticketId: String) = manager.cancel(ticketId, ID)

    private fun show(ticketId: String, title: String, text: String) =
        manager.notify(ticketId, ID, build(ticketId, title, text))

    private fun line(message: MessageItem): String {
        val body =
            message.body.trim().ifEmpty {
                if (message.attachments.size == 1) "Sent an attachment"
                else "Sent ${message.attachments.size} attachments"
            }
        return message.authorName?.let { "$it: $body" } ?: body
    }

    companion object {
        /** One id for all ticket notifications: the ticket id is the tag, as in the server's FCM messages. */
        const val ID = 2
        const val SYNC_WAIT_MS = 5_000L
    }
}
