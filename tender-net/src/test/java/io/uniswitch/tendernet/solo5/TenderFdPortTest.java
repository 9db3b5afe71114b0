package io.uniswitch.tendernet.solo5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tap.device.SocketPair;
import io.uniswitch.tap.linux.Syscall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fd-mode tender port on a real socketpair, with this test writing and reading the tender's end directly: frames
 * both ways, an over-long frame dropped, backpressure towards the tender kept in the egress queue, stale frames
 * drained between tenders. Needs CAP_NET_ADMIN for the forced buffers (root in CI).
 */
class TenderFdPortTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private SocketPair pair;
    private TenderFdPort port;
    private ByteBuf scratch;

    @BeforeEach
    void open() {
        pair = SocketPair.open("t0", 1 << 20, 1 << 20);
        port = new TenderFdPort("t0", pair, 1500, 4096, ALLOC);
        scratch = Unpooled.directBuffer(16384, 16384);
    }

    @AfterEach
    void close() {
        port.close();
        scratch.release();
    }

    private static byte[] frame(int length, int fill) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (fill + i);
        }
        f[0] = 2;
        f[6] = 2;
        return f;
    }

    /** The tender writes one frame to its end. */
    private void tenderWrites(byte[] f) {
        scratch.clear().writeBytes(f);
        assertEquals(f.length, Syscall.LIBC.write(pair.remoteFd(), scratch.memoryAddress(), f.length));
    }

    /** The tender reads one frame from its end; null when none waits. */
    private byte[] tenderReads() {
        long n = Syscall.LIBC.read(pair.remoteFd(), scratch.memoryAddress(), scratch.capacity());
        if (n <= 0) {
            return null;
        }
        byte[] f = new byte[(int) n];
        scratch.getBytes(0, f);
        return f;
    }

    @Test
    void framesPassBothWaysOneMessageEach() {
        byte[] a = frame(60, 1);
        byte[] b = frame(1514, 5);
        tenderWrites(a);
        tenderWrites(b);
        FrameBatch batch = new FrameBatch();
        assertEquals(2, port.receive(batch));
        assertArrayEquals(a, ByteBufUtil.getBytes(batch.get(0)));
        assertArrayEquals(b, ByteBufUtil.getBytes(batch.get(1)));
        batch.releaseAll();
        assertEquals(0, port.receive(batch), "nothing more");

        port.transmit(Unpooled.directBuffer(60).writeBytes(a));
        assertEquals(1, port.flush());
        assertArrayEquals(a, tenderReads());
        assertEquals(2, port.counters().rxFrames);
        assertEquals(1, port.counters().txFrames);
    }

    @Test
    void aFrameOverTheMtuIsDroppedAndCounted() {
        tenderWrites(frame(1600, 2));
        tenderWrites(frame(100, 3));
        FrameBatch batch = new FrameBatch();
        assertEquals(1, port.receive(batch));
        assertEquals(100, batch.get(0).readableBytes());
        batch.releaseAll();
        assertEquals(1, port.counters().dropCount(DropReason.FRAME_TOO_LARGE));
    }

    @Test
    void aTenderThatDoesNotReadMakesTheSwitchWaitNotTheTender() {
        byte[] f = frame(1514, 4);
        // 2 MiB of accounting (1 MiB forced, doubled) holds fewer than 1,000 full frames: the rest wait in the queue.
        int frames = 3000;
        for (int i = 0; i < frames; i++) {
            port.transmit(Unpooled.directBuffer(f.length).writeBytes(f));
        }
        int written = port.flush();
        assertTrue(written > 0 && written < frames, "written before EAGAIN: " + written);
        assertTrue(port.hasPendingTx());
        assertEquals(0, port.counters().dropCount(DropReason.TX_QUEUE_FULL));
        int read = 0;
        while (read < frames) {
            byte[] got = tenderReads();
            if (got == null) {
                port.flush();
                continue;
            }
            assertArrayEquals(f, got);
            read++;
        }
        assertFalse(port.hasPendingTx());
        assertEquals(frames, port.counters().txFrames);
    }

    @Test
    void staleFramesAreDrainedBetweenTenders() {
        for (int i = 0; i < 7; i++) {
            port.transmit(Unpooled.directBuffer(60).writeBytes(frame(60, i)));
        }
        assertEquals(7, port.flush());
        assertEquals(7, port.drainStale());
        assertEquals(null, tenderReads());
    }
}
