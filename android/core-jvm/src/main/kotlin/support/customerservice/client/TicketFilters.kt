package support.customerservice.client

import support.customerservice.core.TicketFilter
import support.customerservice.core.TicketSort

/**
 * Every ticket the user may see, most recently updated first. The generated record has no defaults; start from this and
 * `copy(…)` what a screen needs.
 */
fun TicketFilter.Companion.all(): TicketFilter =
    TicketFilter(
        statuses = emptyList(),
        priorities = emptyList(),
        assignee = null,
        departmentId = null,
        query = null,
        sort = TicketSort.UPDATED,
        sla = null,
    )
