package support.customerservice.ui

import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick

/** How long a screen may take to show what the server or the core sends. */
const val UI_WAIT_MS = 20_000L

/**
 * Whether a node matches [matcher], as drawn (a row's texts merged into the row) or node by node (each text on its
 * own), in any window, popups included.
 */
fun SkikoComposeUiTest.shows(matcher: SemanticsMatcher): Boolean =
    onAllNodes(matcher, useUnmergedTree = true).fetchSemanticsNodes().isNotEmpty() ||
        onAllNodes(matcher, useUnmergedTree = false).fetchSemanticsNodes().isNotEmpty()

/** Waits until a node matching [matcher] is on screen. */
fun SkikoComposeUiTest.waitFor(what: String, matcher: SemanticsMatcher, timeoutMs: Long = UI_WAIT_MS) =
    waitUntil("$what on screen", timeoutMs) { shows(matcher) }

/** Waits until no node matches [matcher]. */
fun SkikoComposeUiTest.waitForNo(what: String, matcher: SemanticsMatcher, timeoutMs: Long = UI_WAIT_MS) =
    waitUntil("$what gone", timeoutMs) { !shows(matcher) }

fun SkikoComposeUiTest.waitForText(text: String, timeoutMs: Long = UI_WAIT_MS) =
    waitFor("\"$text\"", hasText(text, substring = true), timeoutMs)

fun SkikoComposeUiTest.waitForTag(tag: String, timeoutMs: Long = UI_WAIT_MS) =
    waitFor("[$tag]", hasTestTag(tag), timeoutMs)

fun SkikoComposeUiTest.waitForDescription(text: String, timeoutMs: Long = UI_WAIT_MS) =
    waitFor("icon \"$text\"", hasContentDescription(text, substring = true), timeoutMs)

/** How many nodes show [text] now. */
fun SkikoComposeUiTest.countText(text: String): Int =
    onAllNodes(hasText(text, substring = true), useUnmergedTree = true).fetchSemanticsNodes().size

/** Opens a ticket from the list, once the list shows it. */
fun SkikoComposeUiTest.openTicket(id: String) {
    waitForTag("ticket-$id")
    onNodeWithTag("ticket-$id").performClick()
}
