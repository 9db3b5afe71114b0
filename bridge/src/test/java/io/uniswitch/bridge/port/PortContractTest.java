package io.uniswitch.bridge.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.frame.TestFrames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Port} contract, run against every port type by subclassing: receive into a batch within its room,
 * transmit always takes the frame, flush writes and releases, drops are counted, close is idempotent and releases.
 * Every frame a test makes must be released by its end.
 */
public abstract class PortContractTest {
    protected static final long A = 0x0200_0000_000AL;
    protected static final long B = 0x0200_0000_000BL;

    protected final TestFrames frames = new TestFrames();
    private final List<Port> opened = new ArrayList<>();

    /** A new, up port whose device accepts writes until told otherwise. */
    protected abstract Port newPort(String name, int mtuBytes, int egressQueueCapacity);

    /** Makes the port's device receive a copy of frame (the caller keeps and releases frame). */
    protected abstract void deliver(Port port, ByteBuf frame);

    /** The frames the port's device sent since the last call, at least expected of them; the caller releases them. */
    protected abstract List<ByteBuf> collectSent(Port port, int expected);

    protected final Port open(String name, int mtuBytes, int egressQueueCapacity) {
        Port p = newPort(name, mtuBytes, egressQueueCapacity);
        opened.add(p);
        return p;
    }

    @AfterEach
    void closePortsAndCheckLeaks() {
        for (Port p : opened) {
            p.close();
        }
        frames.assertAllReleased();
    }

    @Test
    void receiveReturnsZeroWhenNothingArrived() {
        Port p = open("p0", 1500, 16);
        FrameBatch batch = new FrameBatch();
        assertEquals(0, p.receive(batch));
        assertEquals(0, batch.size());
    }

    @Test
    void receiveAppendsWithinRemainingAndCountsRx() {
        Port p = open("p0", 1500, 16);
        for (int i = 0; i < 3; i++) {
            ByteBuf f = frames.ethernet(B, A, 100 + i);
            deliver(p, f);
            f.release();
        }
        FrameBatch batch = new FrameBatch();
        for (int i = 0; i < FrameBatch.MAX - 2; i++) {
            batch.add(frames.ethernet(B, A, 1));
        }
        assertEquals(2, receiveSome(p, batch, 2));
        assertEquals(FrameBatch.MAX, batch.size());
        assertEquals(114, batch.get(FrameBatch.MAX - 2).readableBytes());
        assertEquals(115, batch.get(FrameBatch.MAX - 1).readableBytes());
        batch.releaseAll();
        assertEquals(1, receiveSome(p, batch, 1));
        assertEquals(116, batch.get(0).readableBytes());
        batch.releaseAll();
        assertEquals(3, p.counters().rxFrames);
        assertEquals(114 + 115 + 116, p.counters().rxBytes);
    }

    @Test
    void transmitThenFlushSendsSameBytesAndReleases() {
        Port p = open("p0", 1500, 16);
        ByteBuf f = frames.ethernet(B, A, 200);
        byte[] expected = ByteBufUtil.getBytes(f);
        int reader = f.readerIndex();
        f.retain(); // hold a reference to check the port leaves indices alone
        p.transmit(f);
        assertTrue(p.hasPendingTx());
        assertEquals(1, p.flush());
        assertFalse(p.hasPendingTx());
        assertEquals(reader, f.readerIndex());
        List<ByteBuf> sent = collectSent(p, 1);
        assertEquals(1, sent.size());
        assertArrayEquals(expected, ByteBufUtil.getBytes(sent.get(0)));
        sent.forEach(ByteBuf::release);
        assertEquals(1, f.refCnt(), "the port released its reference");
        f.release();
        assertEquals(1, p.counters().txFrames);
        assertEquals(214, p.counters().txBytes);
    }

    @Test
    void fullQueueDropsAndCountsTxQueueFull() {
        Port p = open("p0", 1500, 4);
        for (int i = 0; i < 6; i++) {
            p.transmit(frames.ethernet(B, A, 60));
        }
        assertEquals(2, p.counters().dropCount(DropReason.TX_QUEUE_FULL));
        assertEquals(4, p.flush());
        collectSent(p, 4).forEach(ByteBuf::release);
        assertEquals(4, p.counters().txFrames);
    }

    @Test
    void downPortDropsQueuedAndNewFramesAsPortDown() {
        Port p = open("p0", 1500, 16);
        p.transmit(frames.ethernet(B, A, 60));
        p.transmit(frames.ethernet(B, A, 60));
        p.setUp(false);
        assertFalse(p.isUp());
        assertFalse(p.hasPendingTx());
        p.transmit(frames.ethernet(B, A, 60));
        assertEquals(3, p.counters().dropCount(DropReason.PORT_DOWN));
        assertEquals(3, p.counters().totalDrops());
        p.setUp(true);
        p.transmit(frames.ethernet(B, A, 60));
        assertEquals(1, p.flush());
        collectSent(p, 1).forEach(ByteBuf::release);
    }

    @Test
    void closeIsIdempotentReleasesQueuedAndRefusesLaterFrames() {
        Port p = open("p0", 1500, 16);
        p.transmit(frames.ethernet(B, A, 60));
        p.close();
        p.close();
        assertTrue(p.isClosed());
        assertFalse(p.isUp());
        p.transmit(frames.ethernet(B, A, 60));
        assertEquals(2, p.counters().dropCount(DropReason.PORT_DOWN));
        assertThrows(IllegalStateException.class, () -> p.setUp(true));
    }

    @Test
    void describesItself() {
        Port p = open("p7", 9000, 16);
        assertEquals("p7", p.name());
        assertEquals(9000, p.mtuBytes());
        assertEquals(Port.UNATTACHED, p.index());
        assertFalse(p.type().isEmpty());
    }

    /** Receives until expected frames arrived; a real device may deliver asynchronously. */
    private static int receiveSome(Port p, FrameBatch batch, int expected) {
        int got = 0;
        for (int tries = 0; tries < 1000 && got < expected; tries++) {
            got += p.receive(batch);
        }
        return got;
    }
}
