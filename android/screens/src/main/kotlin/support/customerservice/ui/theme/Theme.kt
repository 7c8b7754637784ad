package support.customerservice.ui.theme

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.Immutable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color

private val Light =
    lightColorScheme(
        primary = Color(0xFF1F5AA6),
        onPrimary = Color.White,
        primaryContainer = Color(0xFFD6E3FF),
        onPrimaryContainer = Color(0xFF001B3E),
        secondary = Color(0xFF545F71),
        secondaryContainer = Color(0xFFD8E3F8),
        onSecondaryContainer = Color(0xFF111C2B),
        tertiary = Color(0xFF7A5300),
        tertiaryContainer = Color(0xFFFFDEA8),
        onTertiaryContainer = Color(0xFF271900),
        error = Color(0xFFBA1A1A),
        errorContainer = Color(0xFFFFDAD6),
        onErrorContainer = Color(0xFF410002),
        background = Color(0xFFF9F9FF),
        surface = Color(0xFFF9F9FF),
        surfaceVariant = Color(0xFFE0E2EC),
        onSurfaceVariant = Color(0xFF43474E),
        surfaceContainer = Color(0xFFEDEDF4),
        surfaceContainerHigh = Color(0xFFE7E8EE),
        outline = Color(0xFF74777F),
        outlineVariant = Color(0xFFC4C6CF),
    )

private val Dark =
    darkColorScheme(
        primary = Color(0xFFA9C7FF),
        onPrimary = Color(0xFF003063),
        primaryContainer = Color(0xFF00468C),
        onPrimaryContainer = Color(0xFFD6E3FF),
        secondary = Color(0xFFBCC7DB),
        secondaryContainer = Color(0xFF3C4758),
        onSecondaryContainer = Color(0xFFD8E3F8),
        tertiary = Color(0xFFF5BD48),
        tertiaryContainer = Color(0xFF5C3F00),
        onTertiaryContainer = Color(0xFFFFDEA8),
        error = Color(0xFFFFB4AB),
        errorContainer = Color(0xFF93000A),
        onErrorContainer = Color(0xFFFFDAD6),
        background = Color(0xFF111318),
        surface = Color(0xFF111318),
        surfaceVariant = Color(0xFF43474E),
        onSurfaceVariant = Color(0xFFC4C6CF),
        surfaceContainer = Color(0xFF1D2024),
        surfaceContainerHigh = Color(0xFF282A2F),
        outline = Color(0xFF8E9099),
        outlineVariant = Color(0xFF43474E),
    )

/** Colours Material has no role for: internal notes, presence, the offline banner. */
@Immutable
data class ExtraColors(
    val note: Color,
    val onNote: Color,
    val active: Color,
    val off: Color,
    val warning: Color,
    val onWarning: Color,
    /** Priorities: urgent is the loudest in both themes. */
    val urgent: Color,
    val onUrgent: Color,
    val high: Color,
    val onHigh: Color,
)

private val LightExtra =
    ExtraColors(
        note = Color(0xFFFFF4CC),
        onNote = Color(0xFF3D2E00),
        active = Color(0xFF1E8E3E),
        off = Color(0xFF80868B),
        warning = Color(0xFFFFE0B2),
        onWarning = Color(0xFF4E2600),
        urgent = Color(0xFFC62828),
        onUrgent = Color.White,
        high = Color(0xFFFFDAD6),
        onHigh = Color(0xFF410002),
    )

private val DarkExtra =
    ExtraColors(
        note = Color(0xFF4A3B00),
        onNote = Color(0xFFFFF0C2),
        active = Color(0xFF81C995),
        off = Color(0xFF9AA0A6),
        warning = Color(0xFF5D3A00),
        onWarning = Color(0xFFFFE0B2),
        urgent = Color(0xFFE53935),
        onUrgent = Color.White,
        high = Color(0xFF5C2B28),
        onHigh = Color(0xFFFFDAD6),
    )

val LocalExtraColors = staticCompositionLocalOf { LightExtra }

@Composable
fun CustomerServiceTheme(dark: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    val colors: ColorScheme = if (dark) Dark else Light
    androidx.compose.runtime.CompositionLocalProvider(LocalExtraColors provides if (dark) DarkExtra else LightExtra) {
        MaterialTheme(colorScheme = colors, content = content)
    }
}

object AppTheme {
    val extra: ExtraColors
        @Composable get() = LocalExtraColors.current
}
