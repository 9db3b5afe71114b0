package io.uniswitch.bridge.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tap.device.NetInterfaces;
import io.uniswitch.tap.device.PacketSocket;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NetdevPort} with its receive ring and sendmmsg batches on a real veth pair (root): frames in both
 * directions, batches larger than 64, over-long frames dropped and counted, link down counted and survived, and no
 * allocation per frame on the receive + transmit path.
 */
class NetdevPortTest {
    private static final long MAC_A = 0x02_75_73_00_00_0aL;
    private static final long MAC_B = 0x02_75_73_00_00_0bL;
    private static final int ETHERTYPE = 0x88B5;

    private final PooledByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private String vethA;
    private String vethB;
    private NetdevPort port;
    private PacketSocket peer;

    @BeforeEach
    void createVeth() {
        try {
            if (Files.readString(Path.of("/proc/self/status")).lines()
                    .noneMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"))) {
                fail("NetdevPortTest creates veth pairs and needs root (effective uid 0)");
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/status", e);
        }
        vethA = uniqueName("usnA");
        vethB = uniqueName("usnB");
        run("ip", "link", "add", vethA, "type", "veth", "peer", "name", vethB);
        for (String v : new String[] {vethA, vethB}) {
            write("/proc/sys/net/ipv6/conf/" + v + "/disable_ipv6", "1");
            run("ip", "link", "set", v, "up");
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (!operstate(vethA).equals("up") || !operstate(vethB).equals("up")) {
            if (System.nanoTime() > deadline) {
                fail("veth not up after 3 s");
            }
            sleepMs(10);
        }
    }

    @AfterEach
    void cleanUp() {
        try {
            if (port != null) {
                port.close();
            }
            if (peer != null) {
                peer.close();
            }
        } finally {
            if (vethA != null && Files.exists(Path.of("/sys/class/net", vethA))) {
                run("ip", "link", "del", vethA);
            }
        }
    }

    private NetdevPort openPort(int mtuBytes, boolean ring) {
        PacketSocket socket = PacketSocket.open(vethA, true,
                ring ? NetdevPort.ring(mtuBytes, NetdevPort.RING_BYTES) : null, ring);
        port = new NetdevPort(socket, mtuBytes, 1024, allocator, ring);
        peer = PacketSocket.open(vethB, false);
        return port;
    }

    @Test
    void transmitsMoreThanOneBatchInOrderAndCountsBytes() {
        NetdevPort p = openPort(1500, true);
        long tag = ThreadLocalRandom.current().nextLong();
        int frames = 150;
        long bytes = 0;
        for (int i = 0; i < frames; i++) {
            ByteBuf f = frame(MAC_B, MAC_A, tag + i, 60 + i);
            bytes += f.readableBytes();
            p.transmit(f);
        }
        assertEquals(frames, p.flush());
        assertFalse(p.hasPendingTx());
        assertEquals(frames, p.counters().txFrames);
        assertEquals(bytes, p.counters().txBytes);
        ByteBuf dst = Unpooled.directBuffer(2048);
        try {
            for (int i = 0; i < frames; i++) {
                assertEquals(60 + i, await(dst, () -> peer.read(dst), tag + i), "frame " + i);
            }
        } finally {
            dst.release();
        }
    }

    @Test
    void floodedBufferSentTwiceKeepsItsIndicesAndIsReleasedOnce() {
        NetdevPort p = openPort(1500, true);
        ByteBuf f = frame(MAC_B, MAC_A, 1, 100);
        f.retain();
        p.transmit(f);
        p.transmit(f);
        assertEquals(2, p.flush());
        assertEquals(0, f.readerIndex());
        assertEquals(100, f.writerIndex());
        assertEquals(0, f.refCnt());
    }

    @Test
    void receivesFromTheRingAndDropsOverLongFrames() {
        receiveAndDropOverLong(true);
    }

    @Test
    void receivesPerFrameWithoutTheRing() {
        receiveAndDropOverLong(false);
    }

    @Test
    void theRingShowsAWaitingFrameWithoutASystemCall() {
        NetdevPort p = openPort(1500, true);
        assertTrue(p.rxPendingVisible());
        ByteBuf f = frame(MAC_A, MAC_B, ThreadLocalRandom.current().nextLong(), 60);
        try {
            assertEquals(60, peer.write(f));
        } finally {
            f.release();
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (!p.rxPending()) {
            assertTrue(System.nanoTime() < deadline, "the frame never showed in the ring");
            Thread.onSpinWait();
        }
        FrameBatch batch = new FrameBatch();
        try {
            assertTrue(p.receive(batch) >= 1);
            assertFalse(p.rxPending(), "read out: nothing waits");
        } finally {
            batch.releaseAll();
        }
    }

    private void receiveAndDropOverLong(boolean ring) {
        NetdevPort p = openPort(500, ring);
        assertEquals(ring, p.rxPendingVisible(), "without a ring only epoll can tell");
        long tag = ThreadLocalRandom.current().nextLong();
        for (int length : new int[] {60, 518, 519, 1514, 200}) {
            ByteBuf f = frame(MAC_A, MAC_B, tag + length, length);
            try {
                assertEquals(length, peer.write(f));
            } finally {
                f.release();
            }
        }
        FrameBatch batch = new FrameBatch();
        long deadline = System.nanoTime() + 2_000_000_000L;
        int ours = 0;
        while (ours < 3 && System.nanoTime() < deadline) {
            if (p.receive(batch) == 0) {
                sleepMs(1);
            }
            ours = 0;
            for (int i = 0; i < batch.size(); i++) {
                ours += isOurs(batch.get(i), tag) ? 1 : 0;
            }
        }
        try {
            int[] lengths = new int[3];
            int k = 0;
            for (int i = 0; i < batch.size(); i++) {
                if (isOurs(batch.get(i), tag)) {
                    lengths[k++] = batch.get(i).readableBytes();
                }
            }
            assertEquals(3, k);
            assertEquals(60, lengths[0]);
            assertEquals(518, lengths[1], "MTU 500 + 18 is the largest frame taken");
            assertEquals(200, lengths[2]);
            assertEquals(2, p.counters().dropCount(DropReason.FRAME_TOO_LARGE));
        } finally {
            batch.releaseAll();
        }
    }

    @Test
    void linkDownIsCountedAndNotFatal() {
        NetdevPort p = openPort(1500, true);
        NetInterfaces.setUp(vethA, false);
        p.onErrorEvent();
        NativeException e = p.takeReadError();
        assertNotNull(e);
        assertEquals(Errno.ENETDOWN, e.errno());
        assertEquals(1, p.counters().errors);
        p.onErrorEvent();
        assertNull(p.takeReadError(), "taken once");
        NetInterfaces.setUp(vethA, true);
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (!operstate(vethA).equals("up") || !operstate(vethB).equals("up")) {
            assertTrue(System.nanoTime() < deadline, "veth back up");
            sleepMs(10);
        }
        long tag = ThreadLocalRandom.current().nextLong();
        p.transmit(frame(MAC_B, MAC_A, tag, 60));
        assertEquals(1, p.flush());
        ByteBuf dst = Unpooled.directBuffer(2048);
        try {
            assertEquals(60, await(dst, () -> peer.read(dst), tag));
        } finally {
            dst.release();
        }
    }

    /**
     * Receive a batch from the ring and transmit it back out, as the engine does: ~0 bytes allocated per frame.
     * Leak detection is off for the measurement (in paranoid mode it records a stack trace per buffer), and it runs
     * on a FastThreadLocalThread like the event loop's: Netty's Recycler pools buffer objects only on those.
     */
    @Test
    void receiveAndTransmitAllocateNothingPerFrame() throws InterruptedException {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        Throwable[] failure = new Throwable[1];
        try {
            Thread loop = new FastThreadLocalThread(() -> {
                try {
                    measureReceiveAndTransmit();
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            loop.start();
            loop.join();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        if (failure[0] instanceof AssertionError) {
            throw (AssertionError) failure[0];
        }
        assertNull(failure[0]);
    }

    private void measureReceiveAndTransmit() {
        NetdevPort p = openPort(1500, true);
        ByteBuf f = frame(MAC_A, MAC_B, 9, 1000);
        FrameBatch batch = new FrameBatch();
        long[] frames = new long[1];
        Runnable round = () -> {
            for (int i = 0; i < 32; i++) {
                peer.write(f);
            }
            int n;
            while ((n = p.receive(batch)) > 0) {
                frames[0] += n;
                for (int i = 0; i < batch.size(); i++) {
                    p.transmit(batch.get(i));
                }
                batch.clear();
                p.flush();
            }
        };
        try {
            for (int i = 0; i < 2000; i++) {
                round.run();
            }
            long framesBefore = frames[0];
            long before = allocatedBytes();
            for (int i = 0; i < 1000; i++) {
                round.run();
            }
            long allocated = allocatedBytes() - before;
            long moved = frames[0] - framesBefore;
            assertTrue(moved > 10_000, "only " + moved + " frames came through");
            assertTrue(allocated < 8192, allocated + " B allocated for " + moved + " frames");
        } finally {
            f.release();
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static ByteBuf frame(long dst, long src, long tag, int length) {
        ByteBuf buf = Unpooled.directBuffer(length);
        buf.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        buf.writeShort((int) (src >>> 32)).writeInt((int) src);
        buf.writeShort(ETHERTYPE).writeLong(tag);
        buf.writeZero(length - buf.writerIndex());
        return buf;
    }

    private static boolean isOurs(ByteBuf f, long tagBase) {
        long t = f.getLong(f.readerIndex() + 14) - tagBase;
        return f.getUnsignedShort(f.readerIndex() + 12) == ETHERTYPE && t >= 0 && t < 10_000;
    }

    private static int await(ByteBuf dst, java.util.function.IntSupplier read, long tag) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            dst.clear();
            int n = read.getAsInt();
            if (n > 0 && dst.getUnsignedShort(12) == ETHERTYPE && dst.getLong(14) == tag) {
                return n;
            }
            if (n <= 0) {
                sleepMs(1);
            }
        }
        return 0;
    }

    private static String uniqueName(String prefix) {
        return prefix + String.format("%05d", ThreadLocalRandom.current().nextInt(100000));
    }

    private static String operstate(String name) {
        try {
            return Files.readString(Path.of("/sys/class/net", name, "operstate")).trim();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void write(String file, String value) {
        try {
            Files.writeString(Path.of(file), value);
        } catch (IOException e) {
            throw new AssertionError("cannot write " + file, e);
        }
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                fail(String.join(" ", command) + ": " + out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
