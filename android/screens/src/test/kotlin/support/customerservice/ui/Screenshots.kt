package support.customerservice.ui

import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import java.awt.image.BufferedImage
import java.io.File
import javax.imageio.ImageIO
import kotlin.test.assertTrue
import kotlin.test.fail

/** The window sizes the screens are checked at, in dp (the phone and tablet). */
enum class Device(val widthDp: Int, val heightDp: Int) {
    PHONE(411, 891),
    TABLET(1280, 800),
}

/** Pixels per dp of the screenshots: sharp enough to read, small enough to commit. */
const val SCREENSHOT_DENSITY = 1f

/**
 * Runs a Compose UI test in a window of [device]'s size. When it fails, what the window showed is kept in
 * target/screenshots/failures/.
 */
@OptIn(ExperimentalTestApi::class)
fun runScreenTest(device: Device, block: SkikoComposeUiTest.() -> Unit) =
    runSkikoComposeUiTest(
        size = Size(device.widthDp * SCREENSHOT_DENSITY, device.heightDp * SCREENSHOT_DENSITY),
        density = Density(SCREENSHOT_DENSITY),
    ) {
        try {
            block()
        } catch (failure: Throwable) {
            runCatching {
                val file = File(screenshotDir, "failures/${System.currentTimeMillis()}.png")
                file.parentFile.mkdirs()
                ImageIO.write(captureToImage().toAwtImage(), "png", file)
                failure.addSuppressed(IllegalStateException("the window at the failure: $file"))
            }
            throw failure
        }
    }

private val screenshotDir = File(System.getProperty("cs.screenshots", "target/screenshots"))

/**
 * Writes what the window shows to `target/screenshots/[name].png` and fails if it is blank (a screen that rendered
 * nothing) or if text is cut off at the window's left or right edge (outside a horizontally scrolling row).
 */
@OptIn(ExperimentalTestApi::class)
fun SkikoComposeUiTest.screenshot(name: String) {
    waitForIdle()
    val image = captureToImage().toAwtImage()
    val file = File(screenshotDir, "$name.png")
    file.parentFile.mkdirs()
    ImageIO.write(image, "png", file)
    assertTrue(distinctColours(image) > 8, "$file is blank")
    val width = image.width / SCREENSHOT_DENSITY
    val cut =
        onAllNodes(SemanticsMatcher.keyIsDefined(SemanticsProperties.Text), useUnmergedTree = true)
            .fetchSemanticsNodes()
            .filter { !it.scrollsHorizontally() }
            .filter { node ->
                val b = node.boundsInRoot
                val onScreen = b.bottom > 0 && b.top < image.height / SCREENSHOT_DENSITY
                onScreen && b.width > 0 && (b.left < -1f || b.right > width + 1f)
            }
            .map { it.config.getOrNull(SemanticsProperties.Text)?.joinToString() }
    if (cut.isNotEmpty()) fail("$file: text cut off at the window's edge: $cut")
    val small =
        onAllNodes(SemanticsMatcher.keyIsDefined(SemanticsActions.OnClick), useUnmergedTree = true)
            .fetchSemanticsNodes()
            .filter { !it.scrollsHorizontally() } // clipped by the row's edge, not small
            .filter { node ->
                val t = node.touchBoundsInRoot
                val onScreen =
                    t.bottom > 0 && t.top < image.height / SCREENSHOT_DENSITY && t.right > 0 && t.left < width
                onScreen && (t.width < MIN_TOUCH_DP - 0.5f || t.height < MIN_TOUCH_DP - 0.5f)
            }
            .map { node ->
                node.label() + " ${node.touchBoundsInRoot.width.toInt()}×${node.touchBoundsInRoot.height.toInt()}"
            }
    if (small.isNotEmpty()) fail("$file: touch targets under $MIN_TOUCH_DP dp: $small")
}

/** Material's minimum touch target (accessibility guidelines). */
private const val MIN_TOUCH_DP = 48f

private fun SemanticsNode.label(): String =
    config.getOrNull(SemanticsProperties.ContentDescription)?.joinToString()
        ?: config.getOrNull(SemanticsProperties.Text)?.joinToString()
        ?: config.getOrNull(SemanticsProperties.TestTag)
        ?: children.firstNotNullOfOrNull { c -> c.config.getOrNull(SemanticsProperties.Text)?.joinToString() }
        ?: "node ${id}"

private fun SemanticsNode.scrollsHorizontally(): Boolean {
    var node: SemanticsNode? = this
    while (node != null) {
        if (node.config.getOrNull(SemanticsProperties.HorizontalScrollAxisRange) != null) return true
        node = node.parent
    }
    return false
}

private fun distinctColours(image: BufferedImage): Int {
    val seen = HashSet<Int>()
    val step = maxOf(1, image.width / 200)
    for (y in 0 until image.height step step) {
        for (x in 0 until image.width step step) {
            seen += image.getRGB(x, y)
            if (seen.size > 64) return seen.size
        }
    }
    return seen.size
}
