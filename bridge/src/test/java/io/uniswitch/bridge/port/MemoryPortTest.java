package io.uniswitch.bridge.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.frame.TestFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MemoryPort's device knobs: backpressure, write failures, keeping or discarding sent frames. */
class MemoryPortTest {
    private static final long A = 0x0200_0000_000AL;
    private static final long B = 0x0200_0000_000BL;

    private final TestFrames frames = new TestFrames();

    @AfterEach
    void noLeaks() {
        frames.assertAllReleased();
    }

    @Test
    void blockedDeviceKeepsFramesQueuedUntilDrained() {
        try (MemoryPort p = new MemoryPort("m0", 1500, 8)) {
            p.setTxCapacity(2);
            for (int i = 0; i < 5; i++) {
                p.transmit(frames.ethernet(B, A, 60));
            }
            assertEquals(2, p.flush());
            assertEquals(0, p.flush());
            assertTrue(p.hasPendingTx());
            p.drainSent().forEach(ByteBuf::release);
            assertEquals(2, p.flush());
            p.drainSent().forEach(ByteBuf::release);
            assertEquals(1, p.flush());
            assertFalse(p.hasPendingTx());
            assertEquals(5, p.counters().txFrames);
            p.releaseSent();
        }
    }

    @Test
    void blockedDeviceOverflowsQueueIntoTxQueueFull() {
        try (MemoryPort p = new MemoryPort("m0", 1500, 4)) {
            p.setTxCapacity(0);
            for (int i = 0; i < 10; i++) {
                p.transmit(frames.ethernet(B, A, 60));
                p.flush();
            }
            assertEquals(6, p.counters().dropCount(DropReason.TX_QUEUE_FULL));
            assertEquals(4, p.egressQueue().size());
        }
    }

    @Test
    void failedWritesAreReleasedAndCountedAsTxError() {
        try (MemoryPort p = new MemoryPort("m0")) {
            p.failNextWrites(2);
            for (int i = 0; i < 3; i++) {
                p.transmit(frames.ethernet(B, A, 60));
            }
            assertEquals(1, p.flush());
            assertEquals(2, p.counters().dropCount(DropReason.TX_ERROR));
            assertEquals(1, p.counters().txFrames);
        }
    }

    @Test
    void discardingDeviceReleasesAtOnce() {
        try (MemoryPort p = new MemoryPort("m0")) {
            p.setKeepSent(false);
            p.transmit(frames.ethernet(B, A, 60));
            assertEquals(1, p.flush());
            assertEquals(0, p.sentCount());
            assertEquals(74, p.counters().txBytes);
        }
    }

    @Test
    void closeReleasesInjectedAndSentFrames() {
        MemoryPort p = new MemoryPort("m0");
        p.inject(frames.ethernet(B, A, 60));
        p.transmit(frames.ethernet(B, A, 60));
        p.flush();
        assertEquals(1, p.sentCount());
        p.close();
        p.inject(frames.ethernet(B, A, 60));
        assertEquals(0, p.pendingRx());
        assertEquals(0, p.receive(new FrameBatch()));
    }
}
