package support.customerservice.client.audio

import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test

class FrameQueueTest {
    private fun frame(mark: Int) = ShortArray(FRAME_SAMPLES) { mark.toShort() }

    /**
     * Runs a producer and a consumer on two simulated clocks for [seconds]: the producer's frames come every `20 ms ×
     * (1 + drift)`, the consumer takes one every 20 ms. Returns the queue and the consumed frames' marks (0 for
     * silence).
     */
    private fun drift(drift: Double, seconds: Int, capacity: Int = 3): Pair<FrameQueue, List<Int>> {
        val queue = FrameQueue(capacity)
        val consumed = mutableListOf<Int>()
        val end = seconds * 1_000.0
        var produceAt = 0.0
        var consumeAt = 10.0 // half a frame behind, as a real playback thread starts
        var mark = 1
        while (consumeAt < end) {
            if (produceAt <= consumeAt) {
                queue.offer(frame(mark++))
                produceAt += 20.0 * (1 + drift)
            } else {
                consumed += queue.pollOrSilence()[0].toInt()
                consumeAt += 20.0
            }
        }
        return queue to consumed
    }

    @Test
    fun `a producer 1 percent fast never grows the latency past the bound, dropping about 1 percent`() {
        val (queue, consumed) = drift(drift = -0.01, seconds = 600)
        assertTrue(queue.maxDepth <= 3, "depth ${queue.maxDepth}")
        assertTrue(queue.maxAddedLatencyMs <= 60, "added ${queue.maxAddedLatencyMs} ms")
        val produced = consumed.size * 1.01
        val droppedShare = queue.dropped / produced
        assertTrue(droppedShare in 0.005..0.015, "dropped $droppedShare")
        // What was played is in order: dropping loses frames, never reorders them.
        val played = consumed.filter { it != 0 }
        assertEquals(played.sorted(), played)
    }

    @Test
    fun `a producer 1 percent slow is filled with silence, about 1 percent, and adds no latency`() {
        val (queue, consumed) = drift(drift = 0.01, seconds = 600)
        val silentShare = consumed.count { it == 0 }.toDouble() / consumed.size
        assertTrue(silentShare in 0.005..0.015, "silence $silentShare")
        assertEquals(0, queue.dropped)
        assertTrue(queue.maxDepth <= 1, "depth ${queue.maxDepth}")
    }

    @Test
    fun `an empty queue gives silence and counts the underrun`() {
        val queue = FrameQueue()
        assertNull(queue.poll())
        val silence = queue.pollOrSilence()
        assertEquals(FRAME_SAMPLES, silence.size)
        assertTrue(silence.all { it == 0.toShort() })
        assertEquals(2, queue.underruns)
    }

    @Test
    fun `a frame of another length is padded or cut to one frame`() {
        val queue = FrameQueue()
        queue.offer(ShortArray(10) { 7 })
        queue.offer(ShortArray(FRAME_SAMPLES * 2) { 9 })
        val short = queue.poll()!!
        assertEquals(FRAME_SAMPLES, short.size)
        assertEquals(7, short[9].toInt())
        assertEquals(0, short[10].toInt())
        assertEquals(FRAME_SAMPLES, queue.poll()!!.size)
    }

    @Test
    fun `when full the oldest frame goes`() {
        val queue = FrameQueue(capacity = 2)
        (1..4).forEach { queue.offer(frame(it)) }
        assertEquals(listOf(3, 4), listOf(queue.poll()!![0].toInt(), queue.poll()!![0].toInt()))
        assertEquals(2, queue.dropped)
    }
}
