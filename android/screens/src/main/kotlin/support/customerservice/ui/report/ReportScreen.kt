package support.customerservice.ui.report

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.IntrinsicSize
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.ArrowDropDown
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.CloudOff
import androidx.compose.material.icons.filled.Download
import androidx.compose.material.icons.filled.ErrorOutline
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Schedule
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.SegmentedButton
import androidx.compose.material3.SegmentedButtonDefaults
import androidx.compose.material3.SingleChoiceSegmentedButtonRow
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.CornerRadius
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.drawText
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import java.util.Locale
import kotlin.math.ceil
import kotlin.math.max
import support.customerservice.core.AgentReportItem
import support.customerservice.core.DailyReportInfo
import support.customerservice.core.ReportDayItem
import support.customerservice.core.ReportFiguresInfo
import support.customerservice.ui.app.ExpandedWidth
import support.customerservice.ui.common.LoadingPane
import support.customerservice.ui.common.MessagePane
import support.customerservice.ui.theme.AppTheme

/** The daily report: the range and department to show, the headline figures, the days as a chart, the agents. */
@Composable
fun ReportScreen(state: ReportState, onEvent: (ReportEvent) -> Unit, modifier: Modifier = Modifier) {
    BoxWithConstraints(modifier.fillMaxSize()) {
        val width = maxWidth
        val wide = width >= ExpandedWidth
        Column(Modifier.fillMaxSize()) {
            if (state.noticeKind != NoticeKind.REFUSED) Controls(state, onEvent, wide)
            val report = state.report
            // Under the controls, so that a refresh over a shown report does not move it.
            Box(Modifier.fillMaxWidth().height(4.dp)) {
                if (state.loading && report != null) {
                    LinearProgressIndicator(Modifier.fillMaxWidth().testTag("report-updating"))
                }
            }
            state.exportMessage?.let { ExportMessage(it) { onEvent(ReportEvent.DismissExport) } }
            when {
                report == null && state.loading -> LoadingPane()
                report == null ->
                    MessagePane(
                        when (state.noticeKind) {
                            NoticeKind.REFUSED -> "Not available to you"
                            NoticeKind.ERROR -> "No report to show"
                            else -> "No report yet"
                        },
                        state.notice,
                        isError = state.noticeKind == NoticeKind.ERROR || state.noticeKind == NoticeKind.REFUSED,
                        action =
                            ("Try again" to { onEvent(ReportEvent.Refresh) }).takeIf {
                                state.noticeKind != NoticeKind.REFUSED
                            },
                        modifier = Modifier.testTag("report-message"),
                    )
                else -> {
                    state.notice?.let { Notice(it, state.noticeKind) }
                    Dashboard(report, width, Modifier.weight(1f))
                }
            }
        }
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun Controls(state: ReportState, onEvent: (ReportEvent) -> Unit, wide: Boolean) {
    val ranges: @Composable (Modifier) -> Unit = { modifier ->
        SingleChoiceSegmentedButtonRow(modifier.testTag("report-ranges")) {
            ReportRange.entries.forEachIndexed { i, range ->
                SegmentedButton(
                    selected = state.range == range,
                    onClick = { onEvent(ReportEvent.ChooseRange(range)) },
                    shape = SegmentedButtonDefaults.itemShape(i, ReportRange.entries.size),
                    modifier = Modifier.testTag("range-${range.days}"),
                ) {
                    Text(range.label, maxLines = 1)
                }
            }
        }
    }
    val department: @Composable () -> Unit = {
        if (state.picksDepartment && state.departments.isNotEmpty()) DepartmentPicker(state, onEvent)
    }
    val actions: @Composable (Modifier) -> Unit = { modifier ->
        Row(modifier, verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f)) {
                Text(
                    dayRange(state.from, state.to),
                    style = MaterialTheme.typography.titleSmall,
                    modifier = Modifier.testTag("report-days"),
                )
                // The department's calendar decides where a day ends.
                val zone = state.report?.timeZone?.takeIf { it.isNotBlank() }
                if (zone != null) {
                    Text(
                        "Days in $zone time",
                        style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        maxLines = 1,
                        overflow = TextOverflow.Ellipsis,
                    )
                }
            }
            IconButton(onClick = { onEvent(ReportEvent.Refresh) }, modifier = Modifier.testTag("report-refresh")) {
                Icon(Icons.Filled.Refresh, contentDescription = "Refresh the report")
            }
            if (state.canExport) {
                OutlinedButton(
                    onClick = { onEvent(ReportEvent.ExportCsv) },
                    enabled = state.exportEnabled,
                    modifier = Modifier.padding(start = 4.dp).testTag("report-export"),
                ) {
                    Icon(Icons.Filled.Download, contentDescription = null, modifier = Modifier.size(18.dp))
                    Text(if (state.exporting) "Exporting…" else "Export CSV", Modifier.padding(start = 6.dp))
                }
            }
        }
    }
    if (wide) {
        Row(
            Modifier.fillMaxWidth().padding(horizontal = 24.dp, vertical = 12.dp),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            department()
            ranges(Modifier.width(360.dp))
            actions(Modifier.weight(1f))
        }
    } else {
        Column(
            Modifier.fillMaxWidth().padding(start = 16.dp, end = 8.dp, top = 12.dp, bottom = 4.dp),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            department()
            ranges(Modifier.fillMaxWidth().padding(end = 8.dp))
            actions(Modifier.fillMaxWidth())
        }
    }
}

@Composable
private fun DepartmentPicker(state: ReportState, onEvent: (ReportEvent) -> Unit) {
    var open by remember { mutableStateOf(false) }
    Box {
        OutlinedButton(onClick = { open = true }, modifier = Modifier.testTag("report-department")) {
            Text(
                state.departmentName ?: "Choose a department",
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
                modifier = Modifier.widthIn(max = 220.dp),
            )
            Icon(Icons.Filled.ArrowDropDown, contentDescription = "Choose the department")
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            for (d in state.departments) {
                DropdownMenuItem(
                    text = { Text(d.name) },
                    onClick = {
                        open = false
                        onEvent(ReportEvent.ChooseDepartment(d.id))
                    },
                    modifier = Modifier.testTag("report-department-${d.name}"),
                )
            }
        }
    }
}

@Composable
private fun Notice(text: String, kind: NoticeKind) {
    val scheme = MaterialTheme.colorScheme
    val (container, content) =
        when (kind) {
            NoticeKind.INFO -> scheme.surfaceContainerHigh to scheme.onSurfaceVariant
            NoticeKind.OFFLINE -> AppTheme.extra.warning to AppTheme.extra.onWarning
            NoticeKind.ERROR,
            NoticeKind.REFUSED -> scheme.errorContainer to scheme.onErrorContainer
        }
    Surface(color = container, contentColor = content, modifier = Modifier.fillMaxWidth().testTag("report-notice")) {
        Row(Modifier.padding(horizontal = 16.dp, vertical = 8.dp), verticalAlignment = Alignment.CenterVertically) {
            Icon(
                when (kind) {
                    NoticeKind.INFO -> Icons.Filled.Schedule
                    NoticeKind.OFFLINE -> Icons.Filled.CloudOff
                    NoticeKind.ERROR,
                    NoticeKind.REFUSED -> Icons.Filled.ErrorOutline
                },
                contentDescription = null,
                modifier = Modifier.size(18.dp),
            )
            Text(text, style = MaterialTheme.typography.bodySmall, modifier = Modifier.padding(start = 8.dp))
        }
    }
}

@Composable
private fun ExportMessage(text: String, onDismiss: () -> Unit) {
    Surface(
        color = MaterialTheme.colorScheme.secondaryContainer,
        contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
        modifier = Modifier.fillMaxWidth().testTag("export-message"),
    ) {
        Row(Modifier.padding(start = 16.dp, end = 4.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(text, style = MaterialTheme.typography.bodySmall, modifier = Modifier.weight(1f))
            IconButton(onClick = onDismiss) { Icon(Icons.Filled.Close, contentDescription = "Dismiss") }
        }
    }
}

@Composable
private fun Dashboard(report: DailyReportInfo, width: Dp, modifier: Modifier) {
    val pad = if (width >= ExpandedWidth) 24.dp else 16.dp
    Column(
        modifier.fillMaxWidth().verticalScroll(rememberScrollState()).padding(pad).testTag("report"),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        val cards = headlines(report)
        if (width >= SIDE_BY_SIDE) {
            // Room for the figures and the chart beside them.
            Row(Modifier.height(IntrinsicSize.Min), horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                CardGrid(cards, columns = 3, Modifier.weight(1f))
                DailyChart(report.days, fill = true, Modifier.weight(1f).fillMaxHeight())
            }
        } else {
            CardGrid(cards, columns = if (width >= 600.dp) 3 else 2)
            DailyChart(report.days, fill = false)
        }
        AgentTable(report.agents, wide = width >= ExpandedWidth)
    }
}

/** From this width the chart stands beside the headline figures. */
private val SIDE_BY_SIDE = 1100.dp

/** A headline figure: what it is, its value, and what qualifies it. */
private class Headline(val label: String, val value: String, val detail: String?)

private fun perDay(count: Long, days: Int): String? =
    if (days <= 1 || count == 0L) null else String.format(Locale.ROOT, "%.1f a day", count.toDouble() / days)

private fun headlines(report: DailyReportInfo): List<Headline> {
    val t = report.total
    val days = report.days.size
    return listOf(
        Headline("Opened", "${t.opened}", perDay(t.opened, days)),
        Headline("Resolved", "${t.resolved}", perDay(t.resolved, days)),
        Headline(
            "Reopened",
            "${t.reopened}",
            if (t.resolved > 0) "${(t.reopened * 100 + t.resolved / 2) / t.resolved} % of resolved" else null,
        ),
        Headline(
            "First reply median",
            reportDuration(t.firstResponseMedianSecs),
            durationDetail(t.firstResponseP90Secs, t.firstResponses, "first reply", "first replies"),
        ),
        Headline(
            "Resolution median",
            reportDuration(t.resolutionMedianSecs),
            durationDetail(t.resolutionP90Secs, t.resolutions, "resolution", "resolutions"),
        ),
        Headline("SLA targets missed", "${t.slaBreaches}", "first reply and resolution"),
        Headline(
            "Calls answered",
            if (t.callsPlaced == 0L) "0" else "${t.callsAnswered} of ${t.callsPlaced}",
            if (t.callsPlaced == 0L) "no calls" else "${t.callsMissed} missed · ${t.callsDeclined} declined",
        ),
        Headline(
            "Talk time",
            reportDuration(t.talkSecs),
            if (t.callsAnswered == 0L) "no calls"
            else "on ${t.callsAnswered} answered ${plural(t.callsAnswered, "call", "calls")}",
        ),
        Headline(
            "CSAT average",
            csatLabel(t.csatAverage),
            if (t.csatCount == 0L) "no ratings" else "${t.csatCount} ${plural(t.csatCount, "rating", "ratings")}",
        ),
    )
}

private fun plural(n: Long, one: String, many: String) = if (n == 1L) one else many

private fun durationDetail(p90: Long?, count: Long, one: String, many: String): String =
    if (count == 0L) "no ${many} yet" else "p90 ${reportDuration(p90)} · $count ${plural(count, one, many)}"

@Composable
private fun CardGrid(cards: List<Headline>, columns: Int, modifier: Modifier = Modifier) {
    Column(modifier, verticalArrangement = Arrangement.spacedBy(12.dp)) {
        for (row in cards.chunked(columns)) {
            Row(
                Modifier.fillMaxWidth().height(IntrinsicSize.Min),
                horizontalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                for (card in row) HeadlineCard(card, Modifier.weight(1f).fillMaxHeight())
                // The last row keeps the columns' width.
                repeat(columns - row.size) { Spacer(Modifier.weight(1f)) }
            }
        }
    }
}

@Composable
private fun HeadlineCard(card: Headline, modifier: Modifier) {
    Card(
        modifier.testTag("figure-${card.label}"),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceContainer),
    ) {
        Column(
            Modifier.padding(horizontal = 14.dp, vertical = 12.dp),
            verticalArrangement = Arrangement.spacedBy(2.dp),
        ) {
            Text(
                card.label,
                style = MaterialTheme.typography.labelLarge,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
            Text(card.value, style = MaterialTheme.typography.headlineSmall, maxLines = 1)
            if (card.detail != null) {
                Text(
                    card.detail,
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
        }
    }
}

/** Opened (primary) and resolved (tertiary) bars per day, with a legend, a count axis and spaced-out day labels. */
@Composable
private fun DailyChart(days: List<ReportDayItem>, fill: Boolean, modifier: Modifier = Modifier) {
    val opened = MaterialTheme.colorScheme.primary
    val resolved = MaterialTheme.colorScheme.tertiary
    Card(
        modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceContainer),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    "Opened and resolved per day",
                    style = MaterialTheme.typography.titleSmall,
                    modifier = Modifier.weight(1f),
                )
            }
            Row(horizontalArrangement = Arrangement.spacedBy(16.dp), verticalAlignment = Alignment.CenterVertically) {
                LegendItem(opened, "Opened")
                LegendItem(resolved, "Resolved")
            }
            // Beside the figures it is as tall as they are; stacked, a fixed height.
            val size = if (fill) Modifier.weight(1f).heightIn(min = 200.dp) else Modifier.height(220.dp)
            Box(Modifier.fillMaxWidth().then(size)) {
                Bars(days, opened, resolved, Modifier.fillMaxSize())
                if (days.all { it.figures.opened == 0L && it.figures.resolved == 0L }) {
                    Text(
                        "Nothing opened or resolved in this range",
                        style = MaterialTheme.typography.bodyMedium,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                        textAlign = TextAlign.Center,
                        modifier = Modifier.align(Alignment.Center).padding(horizontal = 24.dp),
                    )
                }
            }
        }
    }
}

@Composable
private fun LegendItem(color: Color, label: String) {
    Row(verticalAlignment = Alignment.CenterVertically) {
        Box(Modifier.size(12.dp).background(color, RoundedCornerShape(3.dp)))
        Text(label, style = MaterialTheme.typography.labelMedium, modifier = Modifier.padding(start = 6.dp))
    }
}

@Composable
private fun Bars(days: List<ReportDayItem>, openedColor: Color, resolvedColor: Color, modifier: Modifier) {
    val measurer = rememberTextMeasurer()
    val labelStyle: TextStyle =
        MaterialTheme.typography.labelSmall.copy(color = MaterialTheme.colorScheme.onSurfaceVariant)
    val grid = MaterialTheme.colorScheme.outlineVariant
    val top = days.maxOfOrNull { max(it.figures.opened, it.figures.resolved) } ?: 0
    val step = axisStep(top)
    val axisMax = max(step, ceil(top.toDouble() / step).toLong() * step)
    val summary = chartSummary(days)
    Canvas(modifier.semantics { contentDescription = summary }.testTag("report-chart")) {
        val yLabels = (0..axisMax step step).map { it to measurer.measure("$it", labelStyle) }
        val axisWidth = yLabels.maxOf { it.second.size.width } + 8.dp.toPx()
        val dayLabel = measurer.measure("30 Sep", labelStyle)
        val bottom = size.height - dayLabel.size.height - 6.dp.toPx()
        val topY = yLabels.last().second.size.height / 2f
        // Half a label's room on the right: the last day's label centres under its bars.
        val plotWidth = size.width - axisWidth - dayLabel.size.width / 2f
        val plotHeight = bottom - topY
        fun y(v: Long) = bottom - plotHeight * v / axisMax

        for ((value, text) in yLabels) {
            val at = y(value)
            drawLine(grid, Offset(axisWidth, at), Offset(size.width, at), strokeWidth = 1.dp.toPx())
            drawText(text, topLeft = Offset(axisWidth - 8.dp.toPx() - text.size.width, at - text.size.height / 2f))
        }
        if (days.isEmpty()) return@Canvas
        val slot = plotWidth / days.size
        // Two bars side by side in each day's slot, with a gap between days while there is room for one.
        val gap = if (slot >= 6.dp.toPx()) slot * 0.25f else 0f
        val bar = (slot - gap) / 2f
        val radius = CornerRadius(minOf(bar / 2f, 3.dp.toPx()))
        days.forEachIndexed { i, day ->
            val x = axisWidth + i * slot + gap / 2f
            for ((j, pair) in
                listOf(day.figures.opened to openedColor, day.figures.resolved to resolvedColor).withIndex()) {
                val (value, color) = pair
                if (value <= 0) continue
                val h = bottom - y(value)
                drawRoundRect(color, Offset(x + j * bar, bottom - h), Size(max(bar, 1f), h), radius)
            }
        }
        // Day labels: as many as fit without touching, the last day (today) always among them.
        val labelWidth = dayLabel.size.width + 8.dp.toPx()
        val fit = max(1, (plotWidth / labelWidth).toInt())
        val every =
            LABEL_STEPS.firstOrNull { (days.size + it - 1) / it <= fit } ?: ceil(days.size / fit.toDouble()).toInt()
        var i = days.size - 1
        var free = size.width // where the label drawn last (to the right) begins
        while (i >= 0) {
            val text = measurer.measure(shortDay(days[i].day), labelStyle)
            val centre = axisWidth + (i + 0.5f) * slot
            val left = (centre - text.size.width / 2f).coerceIn(0f, size.width - text.size.width)
            if (left + text.size.width + 4.dp.toPx() <= free) {
                drawLine(grid, Offset(centre, bottom), Offset(centre, bottom + 3.dp.toPx()), strokeWidth = 1.dp.toPx())
                drawText(text, topLeft = Offset(left, bottom + 5.dp.toPx()))
                free = left
            }
            i -= every
        }
    }
}

/** Day-label spacings that read as a calendar: every day, every other, weekly, fortnightly, monthly. */
private val LABEL_STEPS = listOf(1, 2, 7, 14, 30)

/** A round step for the count axis: about four lines whatever the busiest day. */
private fun axisStep(top: Long): Long {
    if (top <= 4) return 1
    var magnitude = 1L
    while (true) {
        for (m in longArrayOf(1, 2, 5)) {
            val step = m * magnitude
            if (top / step <= 4) return step
        }
        magnitude *= 10
    }
}

private fun chartSummary(days: List<ReportDayItem>): String {
    if (days.isEmpty()) return "No days to show"
    val opened = days.sumOf { it.figures.opened }
    val resolved = days.sumOf { it.figures.resolved }
    val busiest = days.maxBy { it.figures.opened }
    return "Opened and resolved per day, ${dayRange(days.first().day, days.last().day)}: $opened opened, " +
        "$resolved resolved" +
        if (busiest.figures.opened > 0) "; most opened on ${shortDay(busiest.day)} (${busiest.figures.opened})" else ""
}

@Composable
private fun AgentTable(agents: List<AgentReportItem>, wide: Boolean) {
    Card(
        Modifier.fillMaxWidth().testTag("report-agents"),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceContainer),
    ) {
        Column(Modifier.padding(vertical = 12.dp)) {
            Text(
                "Agents",
                style = MaterialTheme.typography.titleSmall,
                modifier = Modifier.padding(horizontal = 16.dp, vertical = 4.dp),
            )
            if (agents.isEmpty()) {
                Text(
                    "No agent replied to or resolved a ticket in this range.",
                    style = MaterialTheme.typography.bodyMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.padding(horizontal = 16.dp, vertical = 8.dp),
                )
                return@Column
            }
            val column = if (wide) 128.dp else 72.dp
            AgentRow(
                "Agent",
                "Resolved",
                if (wide) "First reply median" else "First reply",
                "CSAT",
                column,
                header = true,
            )
            for (agent in agents) {
                HorizontalDivider(color = MaterialTheme.colorScheme.outlineVariant)
                val f: ReportFiguresInfo = agent.figures
                AgentRow(
                    agent.name.ifBlank { "Former agent" },
                    "${f.resolved}",
                    reportDuration(f.firstResponseMedianSecs),
                    f.csatAverage?.let { String.format(Locale.ROOT, "%.1f (%d)", it, f.csatCount) } ?: "—",
                    column,
                    modifier = Modifier.testTag("agent-${agent.name}"),
                )
            }
        }
    }
}

@Composable
private fun AgentRow(
    name: String,
    resolved: String,
    firstReply: String,
    csat: String,
    column: Dp,
    header: Boolean = false,
    modifier: Modifier = Modifier,
) {
    val style = if (header) MaterialTheme.typography.labelMedium else MaterialTheme.typography.bodyMedium
    val color = if (header) MaterialTheme.colorScheme.onSurfaceVariant else Color.Unspecified
    Row(
        modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 10.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(
            name,
            style = style,
            color = color,
            maxLines = 1,
            overflow = TextOverflow.Ellipsis,
            modifier = Modifier.weight(1f),
        )
        Text(resolved, style = style, color = color, textAlign = TextAlign.End, modifier = Modifier.width(column))
        Text(
            firstReply,
            style = style,
            color = color,
            textAlign = TextAlign.End,
            modifier = Modifier.width(column + 20.dp),
        )
        Text(csat, style = style, color = color, textAlign = TextAlign.End, modifier = Modifier.width(column))
    }
}

/** The top bar's title: "Daily report · Billing" once the department's name is known. */
fun reportTitle(state: ReportState): String = state.departmentName?.let { "Daily report · $it" } ?: "Daily report"
