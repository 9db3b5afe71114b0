package io.uniswitch.bridge.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.frame.TestFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EgressQueueTest {
    private final TestFrames frames = new TestFrames();

    @AfterEach
    void noLeaks() {
        frames.assertAllReleased();
    }

    @Test
    void roundsCapacityUpToPowerOfTwo() {
        assertEquals(1, new EgressQueue(1).capacity());
        assertEquals(4, new EgressQueue(3).capacity());
        assertEquals(1024, new EgressQueue(1024).capacity());
        assertEquals(2048, new EgressQueue(1025).capacity());
        assertThrows(IllegalArgumentException.class, () -> new EgressQueue(0));
    }

    @Test
    void fifoAcrossWrapAroundAndRefusesWhenFull() {
        EgressQueue q = new EgressQueue(4);
        for (int round = 0; round < 10; round++) {
            ByteBuf[] in = new ByteBuf[4];
            for (int i = 0; i < 4; i++) {
                in[i] = frames.ethernet(1, 2, i);
                assertTrue(q.offer(in[i]));
            }
            ByteBuf extra = frames.ethernet(1, 2, 0);
            assertFalse(q.offer(extra));
            extra.release();
            assertEquals(4, q.size());
            for (int i = 0; i < 4; i++) {
                assertSame(in[i], q.peek());
                assertSame(in[i], q.poll());
                in[i].release();
            }
            assertTrue(q.isEmpty());
            assertNull(q.peek());
            assertNull(q.poll());
        }
    }

    @Test
    void releaseAllReleasesQueuedFrames() {
        EgressQueue q = new EgressQueue(8);
        for (int i = 0; i < 5; i++) {
            q.offer(frames.ethernet(1, 2, 10));
        }
        assertEquals(5, q.releaseAll());
        assertTrue(q.isEmpty());
    }
}
