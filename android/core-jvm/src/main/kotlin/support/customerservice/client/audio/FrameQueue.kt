package support.customerservice.client.audio

import java.util.ArrayDeque

/**
 * Frames between two clocks: the core's 20 ms call clock on one side, the sound card's on the other. They never run at
 * exactly the same rate, so the queue is bounded: when the producer runs ahead, the oldest frame is dropped (latency
 * never grows past [capacity] frames); when it falls behind, the consumer gets silence. Thread-safe, one producer and
 * one consumer.
 *
 * Used both ways: microphone frames waiting for the core to pull them, and the far end's frames waiting for the
 * speaker.
 */
class FrameQueue(val capacity: Int = 3, private val frameSamples: Int = FRAME_SAMPLES) {
    init {
        require(capacity > 0) { "capacity must be positive" }
    }

    private val frames = ArrayDeque<ShortArray>(capacity)
    private val silence = ShortArray(frameSamples)

    /** Frames dropped because the producer ran ahead. */
    var dropped = 0L
        private set

    /** Times the consumer found nothing and got silence. */
    var underruns = 0L
        private set

    /** The most frames ever waiting: the worst latency this queue added is that many frames. */
    var maxDepth = 0
        private set

    val depth: Int
        @Synchronized get() = frames.size

    /** Adds a frame, dropping the oldest when full. A frame of another length is cut or padded with silence. */
    @Synchronized
    fun offer(frame: ShortArray) {
        if (frames.size == capacity) {
            frames.removeFirst()
            dropped++
        }
        frames.addLast(if (frame.size == frameSamples) frame else frame.copyOf(frameSamples))
        maxDepth = maxOf(maxDepth, frames.size)
    }

    /** The oldest frame, or `null` when empty (counted as an underrun). */
    @Synchronized fun poll(): ShortArray? = frames.pollFirst() ?: null.also { underruns++ }

    /** The oldest frame, or a frame of silence when empty. */
    fun pollOrSilence(): ShortArray = poll() ?: silence

    @Synchronized fun clear() = frames.clear()

    /** The latency the queue adds at its worst, in milliseconds (20 ms a frame at 48 kHz). */
    val maxAddedLatencyMs: Int
        get() = maxDepth * frameSamples * 1000 / 48_000
}
