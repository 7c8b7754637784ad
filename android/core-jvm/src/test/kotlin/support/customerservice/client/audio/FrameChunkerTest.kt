package support.customerservice.client.audio

import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class FrameChunkerTest {
    /** A recorder that numbers its samples, so the frames can be checked for order and gaps. */
    private fun counting(from: Int, count: Int) = ShortArray(count) { (from + it).toShort() }

    @Test
    fun `reads of any size come out as whole frames in order, the remainder kept`() {
        val chunker = FrameChunker(frameSamples = 960)
        val frames = mutableListOf<ShortArray>()
        var next = 0
        // AudioRecord reads of odd sizes: less than a frame, more than one, exactly one.
        for (size in listOf(100, 700, 1_500, 960, 1, 3_000, 59)) {
            chunker.push(counting(next, size)) { frames += it }
            next += size
        }
        assertEquals(next / 960, frames.size)
        assertEquals(next % 960, chunker.pending)
        frames.forEachIndexed { i, frame -> assertContentEquals(counting(i * 960, 960), frame) }
    }

    @Test
    fun `each frame is a new array, so a queued frame is never overwritten by the next read`() {
        val chunker = FrameChunker(frameSamples = 4)
        val frames = mutableListOf<ShortArray>()
        chunker.push(counting(0, 8)) { frames += it }
        assertEquals(listOf(0, 4), frames.map { it[0].toInt() })
    }

    @Test
    fun `an offset and count inside the read buffer are honoured, a range outside it is refused`() {
        val chunker = FrameChunker(frameSamples = 3)
        val frames = mutableListOf<ShortArray>()
        chunker.push(counting(0, 10), count = 6, offset = 2) { frames += it }
        assertEquals(listOf(listOf<Short>(2, 3, 4), listOf<Short>(5, 6, 7)), frames.map { it.toList() })
        assertThrows<IllegalArgumentException> { chunker.push(ShortArray(4), count = 5) {} }
    }

    @Test
    fun `reset drops a partial frame`() {
        val chunker = FrameChunker(frameSamples = 4)
        chunker.push(counting(0, 3)) {}
        chunker.reset()
        val frames = mutableListOf<ShortArray>()
        chunker.push(counting(10, 4)) { frames += it }
        assertContentEquals(counting(10, 4), frames.single())
    }
}
