package support.customerservice.ui.common

import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import support.customerservice.core.Priority
import support.customerservice.core.Role
import support.customerservice.core.SlaFilter
import support.customerservice.core.SlaState
import support.customerservice.core.StaffStatus
import support.customerservice.core.TicketSlaInfo
import support.customerservice.core.TicketStatus

val TicketStatus.label: String
    get() =
        when (this) {
            TicketStatus.OPEN -> "Open"
            TicketStatus.IN_PROGRESS -> "In progress"
            TicketStatus.RESOLVED -> "Resolved"
            TicketStatus.CLOSED -> "Closed"
        }

val Priority.label: String
    get() =
        when (this) {
            Priority.LOW -> "Low"
            Priority.NORMAL -> "Normal"
            Priority.HIGH -> "High"
            Priority.URGENT -> "Urgent"
        }

val StaffStatus.label: String
    get() =
        when (this) {
            StaffStatus.ACTIVE -> "Active"
            StaffStatus.OFF -> "Off"
        }

val Role.isStaff: Boolean
    get() = this != Role.CUSTOMER

/** Supervisors and admins may move tickets between departments. */
val Role.canTransfer: Boolean
    get() = this == Role.SUPERVISOR || this == Role.ADMIN

/** Supervisors (their department's) and admins (everyone's) manage canned replies. */
val Role.managesCannedReplies: Boolean
    get() = this == Role.SUPERVISOR || this == Role.ADMIN

/** Supervisors (their department's) and admins (any department's) read the daily report. */
val Role.readsReports: Boolean
    get() = this == Role.SUPERVISOR || this == Role.ADMIN

val SlaFilter.label: String
    get() =
        when (this) {
            SlaFilter.AT_RISK -> "At risk"
            SlaFilter.BREACHED -> "Missed target"
        }

/** "40m", "2h 5m", "3d 4h": a span to a due time, at least a minute. */
fun dueSpan(ms: Long): String {
    val minutes = (maxOf(ms, 0) + 59_999) / 60_000
    val (days, hours, mins) = Triple(minutes / 1440, minutes / 60 % 24, minutes % 60)
    return when {
        days > 0 -> "${days}d ${hours}h"
        hours > 0 -> "${hours}h ${mins}m"
        else -> "${mins}m"
    }
}

/** How a ticket stands against its targets in a list row; `null` when there is nothing to say. */
fun slaLabel(sla: TicketSlaInfo, nowMs: Long): String? {
    val due = sla.nextDueMs
    return when (sla.state) {
        SlaState.BREACHED -> "Missed target"
        SlaState.AT_RISK,
        SlaState.ON_TRACK -> due?.let { "Due in ${dueSpan(it - nowMs)}" }
        SlaState.MET,
        SlaState.NONE -> null
    }
}

/** "#1005", or "New" while the server has not numbered the ticket yet. */
fun ticketNumber(number: Long?): String = number?.let { "#$it" } ?: "New"

/** A time as a list shows it: "14:05" today, "Yesterday", "3 Dec" this year, "3 Dec 2025". */
fun shortTime(epochMs: Long, zone: ZoneId = ZoneId.systemDefault(), today: LocalDate = LocalDate.now(zone)): String {
    val time = Instant.ofEpochMilli(epochMs).atZone(zone)
    val date = time.toLocalDate()
    return when {
        date == today -> time.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT))
        date == today.minusDays(1) -> "Yesterday"
        date.year == today.year -> time.format(DateTimeFormatter.ofPattern("d MMM", Locale.ENGLISH))
        else -> time.format(DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH))
    }
}

/** A call's length as the call screen shows it: "0:07", "12:34", "1:02:03". */
fun callDuration(seconds: Long): String {
    val h = seconds / 3600
    val m = (seconds % 3600) / 60
    val s = seconds % 60
    return if (h > 0) "%d:%02d:%02d".format(h, m, s) else "%d:%02d".format(m, s)
}

/** "2.4 MB", "512 KB", "12 B". */
fun fileSize(bytes: Long): String =
    when {
        bytes >= 1_000_000 -> "%.1f MB".format(Locale.ROOT, bytes / 1_000_000.0)
        bytes >= 1_000 -> "${bytes / 1_000} KB"
        else -> "$bytes B"
    }
