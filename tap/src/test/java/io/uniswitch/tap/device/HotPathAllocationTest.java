package io.uniswitch.tap.device;

import static io.uniswitch.tap.TestNet.MAC_A;
import static io.uniswitch.tap.TestNet.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tap.TestNet;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** read, write, ring reads and sendmmsg allocate nothing per call, including the status paths (EAGAIN, EIO drop). */
class HotPathAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 10_000;
    /** Slack for whatever the measuring itself and a JIT deoptimisation may allocate once. */
    private static final long SLACK_BYTES = 4096;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long measure(Runnable call) {
        for (int i = 0; i < WARMUP; i++) {
            call.run();
        }
        final long before = allocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            call.run();
        }
        return allocatedBytes() - before;
    }

    @Test
    void readAndWriteDoNotAllocate() {
        final String tapName = TestNet.uniqueName("ustT");
        final String vethA = TestNet.uniqueName("ustV");
        final String vethB = TestNet.uniqueName("ustW");
        final ByteBuf dst = Unpooled.directBuffer(2048);
        final ByteBuf frame = TestNet.frame(MAC_B, MAC_A, 7, 60);
        try (TunDevice tap = TunDevice.open(tapName, TapOptions.DEFAULTS)) {
            TestNet.createVeth(vethA, vethB);
            try (PacketSocket a = PacketSocket.open(vethA, false); PacketSocket b = PacketSocket.open(vethB, false)) {
                assertEquals(-1, tap.write(frame));
                final long tapDownWrite = measure(() -> tap.write(frame));
                assertEquals(0, tap.read(dst));
                final long tapEmptyRead = measure(() -> tap.read(dst));
                final long socketWriteAndRead = measure(() -> {
                    a.write(frame);
                    dst.clear();
                    b.read(dst);
                });
                assertTrue(tapDownWrite < SLACK_BYTES, "tap write (EIO) allocated " + tapDownWrite + " B");
                assertTrue(tapEmptyRead < SLACK_BYTES, "tap read (EAGAIN) allocated " + tapEmptyRead + " B");
                assertTrue(socketWriteAndRead < SLACK_BYTES, "packet socket write+read allocated "
                        + socketWriteAndRead + " B");
            }
        } finally {
            dst.release();
            frame.release();
            TestNet.deleteQuietly(tapName);
            TestNet.deleteQuietly(vethA);
        }
    }

    @Test
    void ringReadAndSendmmsgDoNotAllocate() {
        final String vethA = TestNet.uniqueName("ustV");
        final String vethB = TestNet.uniqueName("ustW");
        final ByteBuf dst = Unpooled.directBuffer(2048);
        final ByteBuf frame = TestNet.frame(MAC_B, MAC_A, 7, 1514);
        final PacketRing.Config ring = PacketRing.Config.v2(1519, 1 << 20);
        try {
            TestNet.createVeth(vethA, vethB);
            try (PacketSocket a = PacketSocket.open(vethA, false, ring, true);
                    PacketSocket b = PacketSocket.open(vethB, false, ring, true)) {
                final SendBatch batch = new SendBatch();
                final long[] received = new long[1];
                final Runnable sendBatchAndDrain = () -> {
                    batch.clear();
                    for (int i = 0; i < SendBatch.MAX_FRAMES; i++) {
                        batch.add(frame);
                    }
                    int from = 0;
                    while (from < SendBatch.MAX_FRAMES) {
                        from += Math.max(a.send(batch, from), 1);
                    }
                    int n;
                    do {
                        dst.clear();
                        n = b.read(dst);
                        received[0] += n > 0 ? 1 : 0;
                    } while (n > 0);
                };
                final long bytes = measureBatches(sendBatchAndDrain);
                assertTrue(received[0] > 0, "no frame came through the ring");
                assertTrue(bytes < SLACK_BYTES, "sendmmsg of 64 + ring reads allocated " + bytes + " B over "
                        + MEASURED / 10 + " batches");
            }
        } finally {
            dst.release();
            frame.release();
            TestNet.deleteQuietly(vethA);
        }
    }

    /** Like {@link #measure} with a tenth of the calls: each call here moves 64 frames. */
    private static long measureBatches(Runnable call) {
        for (int i = 0; i < WARMUP / 10; i++) {
            call.run();
        }
        final long before = allocatedBytes();
        for (int i = 0; i < MEASURED / 10; i++) {
            call.run();
        }
        return allocatedBytes() - before;
    }
}
