package support.customerservice.android.audio

import android.annotation.SuppressLint
import android.media.AudioAttributes
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.AudioTrack
import android.media.MediaRecorder
import android.media.audiofx.AcousticEchoCanceler
import android.media.audiofx.NoiseSuppressor
import support.customerservice.android.calls.ClosableAudio
import support.customerservice.client.audio.AudioUnavailableException
import support.customerservice.client.audio.FRAME_SAMPLES
import support.customerservice.client.audio.FrameChunker
import support.customerservice.client.audio.FrameQueue

/**
 * A call's microphone and speaker: `AudioRecord` and `AudioTrack` in voice-communication mode, 48 kHz mono 16-bit, with
 * the platform's echo canceller and noise suppressor when the phone has them.
 *
 * Two threads of its own move audio, so the core's 20 ms clock never waits on the hardware: the recording thread
 * re-chunks what `AudioRecord` reads into 20 ms frames for the core to pull; the playback thread writes the far end's
 * frames to `AudioTrack`, blocking at the hardware's pace. Both queues are bounded ([FrameQueue]): the core's clock and
 * the sound card's drift apart, and latency must never grow with them.
 *
 * [close] releases everything; the foreground service calls it when the call ends. Needs RECORD_AUDIO.
 */
class AndroidAudioDevice private constructor(private val record: AudioRecord, private val track: AudioTrack) :
    ClosableAudio {

    private val captured = FrameQueue(capacity = 3)
    private val toPlay = FrameQueue(capacity = 3)
    private val effects = listOfNotNull(echoCanceller(record.audioSessionId), noiseSuppressor(record.audioSessionId))
    @Volatile private var open = true

    private val recorder =
        Thread(
                {
                    val chunker = FrameChunker()
                    val buffer = ShortArray(FRAME_SAMPLES)
                    record.startRecording()
                    while (open) {
                        val read = record.read(buffer, 0, buffer.size)
                        if (read > 0) chunker.push(buffer, read) { captured.offer(it) }
                        else if (read < 0) break // the recorder died (ERROR_DEAD_OBJECT): the call goes on silent
                    }
                },
                "call-mic",
            )
            .apply { priority = Thread.MAX_PRIORITY }

    private val player =
        Thread(
                {
                    track.play()
                    val bytes = ByteArray(FRAME_BYTES)
                    while (open) {
                        // Silence when the network is late: the track must never starve (it would click and drift).
                        val frame = toPlay.pollOrSilence()
                        for (i in frame.indices) {
                            bytes[2 * i] = frame[i].toInt().toByte()
                            bytes[2 * i + 1] = (frame[i].toInt() shr 8).toByte()
                        }
                        if (track.write(bytes, 0, bytes.size, AudioTrack.WRITE_BLOCKING) < 0) break
                    }
                },
                "call-speaker",
            )
            .apply { priority = Thread.MAX_PRIORITY }

    init {
        recorder.start()
        player.start()
    }

    /** The core's clock asks for the next 20 ms of microphone; nothing yet is silence. */
    override fun captureFrame(): List<Short> = captured.poll()?.asList() ?: emptyList()

    override fun playFrame(pcm: List<Short>) = toPlay.offer(pcm.toShortArray())

    /** How much the playout queue has added to the call's latency at its worst, and how often it ran dry. */
    val playoutStats: PlayoutStats
        get() = PlayoutStats(toPlay.maxAddedLatencyMs, toPlay.underruns, toPlay.dropped)

    override fun close() {
        if (!open) return
        open = false
        recorder.join(JOIN_MS)
        player.join(JOIN_MS)
        effects.forEach { it.release() }
        runCatching { record.stop() }
        record.release()
        runCatching { track.stop() }
        track.release()
    }

    companion object {
        const val SAMPLE_RATE = 48_000
        private const val JOIN_MS = 500L

        /** Opens both sides, or throws [AudioUnavailableException] (in use, permission denied). */
        @SuppressLint("MissingPermission") // the call screen asks for RECORD_AUDIO before a call starts
        fun open(): AndroidAudioDevice {
            val recordMin =
                AudioRecord.getMinBufferSize(SAMPLE_RATE, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)
            val record =
                opening("microphone") {
                    AudioRecord.Builder()
                        .setAudioSource(MediaRecorder.AudioSource.VOICE_COMMUNICATION)
                        .setAudioFormat(format(AudioFormat.CHANNEL_IN_MONO))
                        .setBufferSizeInBytes(maxOf(recordMin, FRAME_BYTES * 2))
                        .build()
                }
            if (record.state != AudioRecord.STATE_INITIALIZED) {
                record.release()
                throw AudioUnavailableException("the microphone cannot be opened (in use, or not allowed)")
            }
            val trackMin =
                AudioTrack.getMinBufferSize(SAMPLE_RATE, AudioFormat.CHANNEL_OUT_MONO, AudioFormat.ENCODING_PCM_16BIT)
            val track =
                opening("speaker", onFailure = record::release) {
                    AudioTrack.Builder()
                        .setAudioAttributes(
                            AudioAttributes.Builder()
                                .setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION)
                                .setContentType(AudioAttributes.CONTENT_TYPE_SPEECH)
                                .build()
                        )
                        .setAudioFormat(format(AudioFormat.CHANNEL_OUT_MONO))
                        .setTransferMode(AudioTrack.MODE_STREAM)
                        .setBufferSizeInBytes(maxOf(trackMin, FRAME_BYTES * 2))
                        .build()
                }
            if (track.state != AudioTrack.STATE_INITIALIZED) {
                record.release()
                track.release()
                throw AudioUnavailableException("the speaker cannot be opened")
            }
            return AndroidAudioDevice(record, track)
        }

        private const val FRAME_BYTES = FRAME_SAMPLES * 2

        /** The platform's refusals (no permission, unsupported format) as the one error the screens show. */
        private inline fun <T> opening(what: String, onFailure: () -> Unit = {}, open: () -> T): T =
            try {
                open()
            } catch (e: SecurityException) {
                onFailure()
                throw AudioUnavailableException("the $what is not allowed for this app")
            } catch (e: UnsupportedOperationException) {
                onFailure()
                throw AudioUnavailableException("the $what cannot be opened: ${e.message}")
            }

        private fun format(channel: Int) =
            AudioFormat.Builder()
                .setSampleRate(SAMPLE_RATE)
                .setEncoding(AudioFormat.ENCODING_PCM_16BIT)
                .setChannelMask(channel)
                .build()

        private fun echoCanceller(session: Int) =
            if (AcousticEchoCanceler.isAvailable()) AcousticEchoCanceler.create(session)?.apply { enabled = true }
            else null

        private fun noiseSuppressor(session: Int) =
            if (NoiseSuppressor.isAvailable()) NoiseSuppressor.create(session)?.apply { enabled = true } else null
    }
}

data class PlayoutStats(val maxAddedLatencyMs: Int, val underruns: Long, val dropped: Long)
