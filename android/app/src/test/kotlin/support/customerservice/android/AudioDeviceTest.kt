package support.customerservice.android

import android.media.AudioFormat
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.math.PI
import kotlin.math.sin
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.After
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAudioRecord
import org.robolectric.shadows.ShadowAudioTrack
import support.customerservice.android.audio.AndroidAudioDevice
import support.customerservice.client.audio.FRAME_SAMPLES

/** The call's AudioRecord / AudioTrack adapter against Robolectric's shadowed audio hardware. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TestApplication::class)
class AudioDeviceTest {
    private var phase = 0.0

    /** A microphone hearing a 440 Hz tone, in reads of 700 samples (not whole frames), paced like real hardware. */
    private val microphone =
        object : ShadowAudioRecord.AudioRecordSource {
            override fun readInShortArray(
                audioData: ShortArray,
                offsetInShorts: Int,
                sizeInShorts: Int,
                isBlocking: Boolean,
            ): Int {
                val n = minOf(sizeInShorts, 700)
                for (i in 0 until n) {
                    phase += 2 * PI * 440 / 48_000
                    audioData[offsetInShorts + i] = (sin(phase) * 8_000).toInt().toShort()
                }
                Thread.sleep(n * 1000L / 48_000)
                return n
            }
        }

    private val played = CopyOnWriteArrayList<ShortArray>()
    private val formats = CopyOnWriteArrayList<AudioFormat>()
    private val speaker =
        ShadowAudioTrack.OnAudioDataWrittenListener { _, bytes, format ->
            formats += format
            played +=
                ShortArray(bytes.size / 2) { i ->
                    ((bytes[2 * i + 1].toInt() shl 8) or (bytes[2 * i].toInt() and 0xff)).toShort()
                }
            Thread.sleep(20) // the hardware's pace
        }

    @After
    fun reset() {
        ShadowAudioRecord.clearSource()
        ShadowAudioTrack.removeAudioDataListener(speaker)
    }

    private fun waitFor(what: String, condition: () -> Boolean) {
        val deadline = System.currentTimeMillis() + 5_000
        while (!condition()) {
            check(System.currentTimeMillis() < deadline) { "timed out waiting for $what" }
            Thread.sleep(10)
        }
    }

    @Test
    fun `the microphone comes out as whole 20 ms frames of what it heard`() {
        ShadowAudioRecord.setSource(microphone)
        AndroidAudioDevice.open().use { device ->
            var frame = device.captureFrame()
            waitFor("a captured frame") {
                frame = device.captureFrame()
                frame.isNotEmpty()
            }
            assertEquals(FRAME_SAMPLES, frame.size)
            assertTrue(frame.maxOf { it.toInt() } > 7_000, "the tone is there, not silence")
            // Consecutive samples of a 440 Hz tone at 48 kHz differ by at most ~460: no gap or seam inside a frame.
            assertTrue(frame.zipWithNext { a, b -> kotlin.math.abs(a - b) }.max() < 600)
        }
    }

    @Test
    fun `the far end's frames reach the speaker at 48 kHz mono 16-bit, silence when nothing came`() {
        ShadowAudioTrack.addAudioDataListener(speaker)
        ShadowAudioRecord.setSource(microphone)
        AndroidAudioDevice.open().use { device ->
            waitFor("silence while the network is quiet") { played.isNotEmpty() }
            assertTrue(played.first().all { it == 0.toShort() })
            val voice = List(FRAME_SAMPLES) { (it % 100 * 50).toShort() }
            device.playFrame(voice)
            waitFor("the frame played") { played.any { it.toList() == voice } }
            val format = formats.first()
            assertEquals(48_000, format.sampleRate)
            assertEquals(AudioFormat.ENCODING_PCM_16BIT, format.encoding)
            assertEquals(1, format.channelCount)
        }
    }

    @Test
    fun `a burst from the network is bounded, at most 60 ms waits for the speaker`() {
        ShadowAudioTrack.addAudioDataListener(speaker)
        ShadowAudioRecord.setSource(microphone)
        AndroidAudioDevice.open().use { device ->
            repeat(50) { device.playFrame(List(FRAME_SAMPLES) { 1 }) }
            assertTrue(device.playoutStats.maxAddedLatencyMs <= 60, "${device.playoutStats}")
            assertTrue(device.playoutStats.dropped >= 40, "the rest was dropped: ${device.playoutStats}")
        }
    }

    @Test
    fun `closing stops both threads and releases the hardware`() {
        ShadowAudioRecord.setSource(microphone)
        val device = AndroidAudioDevice.open()
        device.close()
        val threads = Thread.getAllStackTraces().keys.map { it.name }
        assertTrue("call-mic" !in threads && "call-speaker" !in threads, "$threads")
        device.close() // twice is harmless
    }
}
