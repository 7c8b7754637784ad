package support.customerservice.ui.common

import androidx.compose.runtime.Composable
import androidx.compose.runtime.MutableState
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.ui.text.TextRange
import androidx.compose.ui.text.input.TextFieldValue

/**
 * A text field's value that follows [text], the presenter's: the user's own edits keep their cursor and selection, and
 * a change made elsewhere (a canned reply or a placeholder inserted, the field cleared) moves the cursor by what was
 * added, so that typing goes on after the insertion, not before it.
 */
@Composable
fun rememberFieldValue(text: String): MutableState<TextFieldValue> {
    val field = remember { mutableStateOf(TextFieldValue(text, TextRange(text.length))) }
    val shown = field.value
    if (shown.text != text) {
        val cursor = (shown.selection.end + text.length - shown.text.length).coerceIn(0, text.length)
        field.value = TextFieldValue(text, TextRange(cursor))
    }
    return field
}
