package support.customerservice.ui.signin

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.SupportAgent
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import support.customerservice.ui.common.ErrorText

@Composable
fun SignInScreen(state: SignInState, onEvent: (SignInEvent) -> Unit, modifier: Modifier = Modifier) {
    val register = state.mode == SignInMode.REGISTER
    Surface(modifier.fillMaxSize()) {
        Box(Modifier.fillMaxSize().verticalScroll(rememberScrollState()), contentAlignment = Alignment.TopCenter) {
            Column(
                Modifier.widthIn(max = 420.dp).fillMaxWidth().padding(24.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
                horizontalAlignment = Alignment.CenterHorizontally,
            ) {
                Icon(
                    Icons.Filled.SupportAgent,
                    contentDescription = null,
                    tint = MaterialTheme.colorScheme.primary,
                    modifier = Modifier.padding(top = 32.dp).size(56.dp),
                )
                Text("Customer Service", style = MaterialTheme.typography.headlineSmall)
                Text(
                    if (register) "Create your account" else "Sign in to continue",
                    style = MaterialTheme.typography.bodyLarge,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
                if (register) {
                    Field("Name", state.name, state.nameError, "name", { onEvent(SignInEvent.NameChanged(it)) })
                }
                Field(
                    "Email",
                    state.email,
                    state.emailError,
                    "email",
                    { onEvent(SignInEvent.EmailChanged(it)) },
                    keyboard = KeyboardOptions(keyboardType = KeyboardType.Email, imeAction = ImeAction.Next),
                )
                Field(
                    "Password",
                    state.password,
                    state.passwordError,
                    "password",
                    { onEvent(SignInEvent.PasswordChanged(it)) },
                    password = true,
                    keyboard = KeyboardOptions(keyboardType = KeyboardType.Password, imeAction = ImeAction.Done),
                    onDone = { onEvent(SignInEvent.Submit) },
                )
                if (state.error != null) ErrorText(state.error, Modifier.fillMaxWidth())
                Button(
                    onClick = { onEvent(SignInEvent.Submit) },
                    enabled = state.canSubmit,
                    modifier = Modifier.fillMaxWidth().testTag("submit"),
                ) {
                    if (state.busy) {
                        CircularProgressIndicator(Modifier.size(18.dp), strokeWidth = 2.dp)
                        Text(if (register) "  Creating your account…" else "  Signing in…")
                    } else {
                        Text(if (register) "Create account" else "Sign in")
                    }
                }
                TextButton(onClick = { onEvent(SignInEvent.ToggleMode) }, enabled = !state.busy) {
                    Text(if (register) "I have an account: sign in" else "New here? Create an account")
                }
                Text(
                    "Server: ${state.serverUrl}",
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
        }
    }
}

@Composable
private fun Field(
    label: String,
    value: String,
    error: String?,
    tag: String,
    onChange: (String) -> Unit,
    password: Boolean = false,
    keyboard: KeyboardOptions = KeyboardOptions(imeAction = ImeAction.Next),
    onDone: () -> Unit = {},
) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        isError = error != null,
        supportingText = error?.let { { Text(it) } },
        visualTransformation =
            if (password) PasswordVisualTransformation() else androidx.compose.ui.text.input.VisualTransformation.None,
        keyboardOptions = keyboard,
        keyboardActions = KeyboardActions(onDone = { onDone() }),
        modifier = Modifier.fillMaxWidth().testTag(tag),
    )
}
