package support.customerservice.client.audio

/** Samples in one 20 ms frame at 48 kHz mono: what the core's `AudioDevice` takes and gives. */
const val FRAME_SAMPLES = 960

/**
 * Cuts whatever sizes a platform's recorder reads (AudioRecord gives what it has, not whole frames) into frames of
 * exactly [frameSamples], keeping the remainder for the next read. Not thread-safe: one recording thread owns it.
 */
class FrameChunker(private val frameSamples: Int = FRAME_SAMPLES) {
    init {
        require(frameSamples > 0) { "frameSamples must be positive" }
    }

    private var partial = ShortArray(frameSamples)
    private var filled = 0

    /** Samples waiting for the rest of their frame. */
    val pending: Int
        get() = filled

    /** Adds [count] samples of [buffer] from [offset], handing each completed frame to [emit] (a new array each). */
    fun push(buffer: ShortArray, count: Int = buffer.size, offset: Int = 0, emit: (ShortArray) -> Unit) {
        require(offset >= 0 && count >= 0 && offset + count <= buffer.size) { "range outside the buffer" }
        var read = offset
        val end = offset + count
        while (read < end) {
            val take = minOf(frameSamples - filled, end - read)
            buffer.copyInto(partial, filled, read, read + take)
            filled += take
            read += take
            if (filled == frameSamples) {
                emit(partial)
                partial = ShortArray(frameSamples)
                filled = 0
            }
        }
    }

    /** Forgets a partial frame (the recorder restarted). */
    fun reset() {
        filled = 0
    }
}
