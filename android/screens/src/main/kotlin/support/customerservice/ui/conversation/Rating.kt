package support.customerservice.ui.conversation

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Star
import androidx.compose.material.icons.filled.StarBorder
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import support.customerservice.core.TicketRating

/** What each score means, for the stars' labels (screen readers) and the hint under them. */
private val SCORE_WORDS = listOf("Very unhappy", "Unhappy", "Neither", "Happy", "Very happy")

/** The customer's question once the ticket is resolved: stars, an optional comment, and sending it. */
@Composable
internal fun RatingCard(state: TicketState, onEvent: (TicketEvent) -> Unit) {
    Surface(
        color = MaterialTheme.colorScheme.secondaryContainer,
        contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
        shape = MaterialTheme.shapes.medium,
        modifier = Modifier.fillMaxWidth().padding(horizontal = 12.dp, vertical = 6.dp).testTag("rating-card"),
    ) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text("How did we do?", style = MaterialTheme.typography.titleMedium)
            Text(
                "Rate the help you had with this ticket. Your rating goes to the support team.",
                style = MaterialTheme.typography.bodySmall,
            )
            Row(verticalAlignment = Alignment.CenterVertically) {
                for (score in 1..5) {
                    val chosen = (state.ratingScore ?: 0) >= score
                    IconButton(
                        onClick = { onEvent(TicketEvent.RateScore(score)) },
                        modifier = Modifier.testTag("star-$score"),
                    ) {
                        Icon(
                            if (chosen) Icons.Filled.Star else Icons.Filled.StarBorder,
                            contentDescription = "$score of 5: ${SCORE_WORDS[score - 1]}",
                            tint = if (chosen) STAR else MaterialTheme.colorScheme.onSecondaryContainer,
                            modifier = Modifier.size(32.dp),
                        )
                    }
                }
                state.ratingScore?.let {
                    Text(
                        SCORE_WORDS[it - 1],
                        style = MaterialTheme.typography.labelLarge,
                        modifier = Modifier.padding(start = 4.dp),
                    )
                }
            }
            if (state.ratingScore != null) {
                OutlinedTextField(
                    value = state.ratingComment,
                    onValueChange = { onEvent(TicketEvent.RatingComment(it)) },
                    label = { Text("Anything to add? (optional)") },
                    minLines = 2,
                    modifier = Modifier.fillMaxWidth().testTag("rating-comment"),
                )
                Button(onClick = { onEvent(TicketEvent.SubmitRating) }, modifier = Modifier.testTag("submit-rating")) {
                    Text("Send rating")
                }
            }
        }
    }
}

/** A given rating, as the ticket's header shows it: "You rated" for the customer, "Rated" for staff. */
@Composable
internal fun RatingSummary(rating: TicketRating, mine: Boolean) {
    Row(
        verticalAlignment = Alignment.CenterVertically,
        modifier =
            Modifier.testTag("rating").semantics(mergeDescendants = true) {
                contentDescription = "${if (mine) "You rated" else "Rated"} ${rating.score} of 5"
            },
    ) {
        Text(
            if (mine) "You rated" else "Rated",
            style = MaterialTheme.typography.bodySmall,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        Stars(rating.score.toInt(), 16.dp, Modifier.padding(start = 4.dp))
        rating.comment?.let {
            Text(
                "“$it”",
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
                modifier = Modifier.padding(start = 6.dp).widthIn(max = 240.dp),
            )
        }
    }
}

@Composable
private fun Stars(score: Int, size: Dp, modifier: Modifier = Modifier) {
    Row(modifier) {
        for (n in 1..5) {
            Icon(
                if (n <= score) Icons.Filled.Star else Icons.Filled.StarBorder,
                contentDescription = null,
                tint = if (n <= score) STAR else MaterialTheme.colorScheme.outline,
                modifier = Modifier.size(size),
            )
        }
    }
}

/** The stars' amber, readable on light and dark surfaces. */
private val STAR = Color(0xFFF2A900)
