package support.customerservice.desktop

import javax.sound.sampled.AudioFormat
import javax.sound.sampled.AudioSystem
import javax.sound.sampled.LineUnavailableException
import javax.sound.sampled.SourceDataLine
import javax.sound.sampled.TargetDataLine
import support.customerservice.client.audio.FrameQueue
import support.customerservice.core.AudioDevice
import support.customerservice.core.silentDevice
import support.customerservice.core.toneSource
import support.customerservice.ui.call.CallAudio

enum class AudioChoice {
    SYSTEM,
    TONE,
    SILENT,
}

/** The call audio the command line asked for. */
fun callAudio(choice: AudioChoice): CallAudio =
    when (choice) {
        AudioChoice.SYSTEM ->
            CallAudio {
                JavaSoundDevice.openOrNull()
                    ?: silentDevice().also { System.err.println("no microphone or speaker: the call is silent") }
            }
        AudioChoice.TONE -> CallAudio { toneSource(440.0, 0.3) }
        AudioChoice.SILENT -> CallAudio { silentDevice() }
    }

/**
 * The computer's microphone and speaker through Java Sound, 48 kHz mono 16-bit. A thread reads the microphone into a
 * [FrameQueue] of at most three frames (the oldest dropped, so the core's clock and the sound card's cannot drift
 * apart); playback writes only what the line can take without blocking.
 *
 * The core drops a call's device without telling it, so the device closes its lines itself once the core stops pulling
 * frames: the microphone is not held open after the call.
 */
class JavaSoundDevice private constructor(private val mic: TargetDataLine, private val speaker: SourceDataLine) :
    AudioDevice, AutoCloseable {

    private val captured = FrameQueue(capacity = 3)
    @Volatile private var open = true
    @Volatile private var lastPull = 0L
    private val opened = System.nanoTime()

    private val reader =
        Thread(
                {
                    val bytes = ByteArray(FRAME * 2)
                    while (open) {
                        var got = 0
                        while (got < bytes.size && open) got += mic.read(bytes, got, bytes.size - got)
                        captured.offer(
                            ShortArray(FRAME) { i ->
                                ((bytes[2 * i + 1].toInt() shl 8) or (bytes[2 * i].toInt() and 0xff)).toShort()
                            }
                        )
                        if (idle()) close()
                    }
                },
                "java-sound-mic",
            )
            .apply { isDaemon = true }

    init {
        reader.start()
    }

    override fun captureFrame(): List<Short> {
        lastPull = System.nanoTime()
        return captured.poll()?.asList() ?: emptyList()
    }

    /** Not pulled for a second during the call, or never within the longest ring. */
    private fun idle(): Boolean {
        val now = System.nanoTime()
        return if (lastPull == 0L) now - opened > UNANSWERED_NS else now - lastPull > IDLE_NS
    }

    override fun playFrame(pcm: List<Short>) {
        val bytes = ByteArray(pcm.size * 2)
        pcm.forEachIndexed { i, s ->
            bytes[2 * i] = s.toInt().toByte()
            bytes[2 * i + 1] = (s.toInt() shr 8).toByte()
        }
        if (speaker.available() >= bytes.size) speaker.write(bytes, 0, bytes.size)
    }

    override fun close() {
        open = false
        mic.close()
        speaker.close()
    }

    companion object {
        private const val FRAME = 960
        private const val IDLE_NS = 1_000_000_000L
        private const val UNANSWERED_NS = 90_000_000_000L
        val FORMAT = AudioFormat(48_000f, 16, 1, true, false)

        /** Both lines, or `null` when this computer has no usable sound device. */
        fun openOrNull(): JavaSoundDevice? =
            try {
                val mic =
                    AudioSystem.getTargetDataLine(FORMAT).apply {
                        open(FORMAT, FRAME * 2 * 4)
                        start()
                    }
                val speaker =
                    AudioSystem.getSourceDataLine(FORMAT).apply {
                        open(FORMAT, FRAME * 2 * 8)
                        start()
                    }
                JavaSoundDevice(mic, speaker)
            } catch (_: LineUnavailableException) {
                null
            } catch (_: IllegalArgumentException) {
                null
            } catch (_: SecurityException) {
                null
            }
    }
}
