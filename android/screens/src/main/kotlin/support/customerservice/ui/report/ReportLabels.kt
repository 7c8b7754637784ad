package support.customerservice.ui.report

import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale

/**
 * A duration (the report's business-hours seconds) as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h"; "—" when
 * there was nothing to measure.
 */
fun reportDuration(seconds: Long?): String {
    if (seconds == null) return "—"
    val s = maxOf(seconds, 0)
    if (s < 60) return "$s s"
    val minutes = (s + 30) / 60 // to the nearest minute
    if (minutes < 60) return "$minutes min"
    val hours = minutes / 60
    if (hours < 24) return if (minutes % 60 == 0L) "$hours h" else "$hours h ${minutes % 60} min"
    val h = (minutes + 30) / 60 // to the nearest hour
    return if (h % 24 == 0L) "${h / 24} d" else "${h / 24} d ${h % 24} h"
}

/** "4.3 / 5"; "—" without ratings. */
fun csatLabel(average: Double?): String = average?.let { String.format(Locale.ROOT, "%.1f / 5", it) } ?: "—"

/** "1–7 Dec 2026", "28 Nov – 4 Dec 2026", "30 Dec 2025 – 5 Jan 2026", from two `YYYY-MM-DD` days. */
fun dayRange(from: String, to: String): String {
    val a = runCatching { LocalDate.parse(from) }.getOrNull() ?: return "$from – $to"
    val b = runCatching { LocalDate.parse(to) }.getOrNull() ?: return "$from – $to"
    val full = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH)
    return when {
        a == b -> b.format(full)
        a.year != b.year -> "${a.format(full)} – ${b.format(full)}"
        a.month != b.month -> "${a.format(DateTimeFormatter.ofPattern("d MMM", Locale.ENGLISH))} – ${b.format(full)}"
        else -> "${a.dayOfMonth}–${b.format(full)}"
    }
}

/** A chart's day label: "3 Dec". */
fun shortDay(day: String): String =
    runCatching { LocalDate.parse(day).format(DateTimeFormatter.ofPattern("d MMM", Locale.ENGLISH)) }.getOrDefault(day)

/** From when a report is: "14:05" today, "yesterday 14:05", "3 Dec 14:05", "3 Dec 2025 14:05". */
fun asOfLabel(epochMs: Long, zone: ZoneId, today: LocalDate): String {
    val time = Instant.ofEpochMilli(epochMs).atZone(zone)
    val clock = time.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT))
    val date = time.toLocalDate()
    return when {
        date == today -> clock
        date == today.minusDays(1) -> "yesterday $clock"
        date.year == today.year -> time.format(DateTimeFormatter.ofPattern("d MMM", Locale.ENGLISH)) + " $clock"
        else -> time.format(DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH)) + " $clock"
    }
}
