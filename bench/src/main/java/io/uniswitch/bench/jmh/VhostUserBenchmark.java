package io.uniswitch.bench.jmh;

import io.netty.buffer.PooledByteBufAllocator;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tendernet.vhostuser.GuestDriver;
import io.uniswitch.tendernet.vhostuser.VhostUserBackend;
import io.uniswitch.tendernet.vhostuser.VhostUserPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Guest to guest through the switch with both guests on vhost-user ports: {@link GuestDriver} plays the two VMs
 * (shared memfd RAM, real rings and eventfds, connected over the ports' sockets as QEMU connects) and one thread
 * plays the switch's loop and both guests. Guest A makes {@link #BURST} prefilled frames available on its TX queue;
 * the switch takes them, looks up guest B and fills B's receive buffers; B hands the buffers back. The score is
 * frames per second ({@link OperationsPerInvocation}); at 1514 bytes, Gbit/s = score x 1514 x 8 / 1e9. Run with
 * {@code -prof gc} for bytes allocated per frame.
 *
 * <p>The guests' side costs little here (no copy: TX buffers are filled once, RX buffers reposted unread), so the
 * figure is the switch's: guest A's frame forwarded where it lies (zero copy), one copy into guest B's memory, and
 * A's chain handed back.
 *
 * <p>Allocation: JMH's thread is a plain thread, on which Netty's Recycler does not pool buffer objects (it pools only
 * on threads that clean up FastThreadLocals, as the switch's event loop does), so {@code -prof gc} shows about
 * 100 B/frame here that the switch does not allocate. {@link #main} runs the same loop on a FastThreadLocalThread,
 * as the switch does, and reports frames/s and bytes allocated per frame from the thread's own allocation counter.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class VhostUserBenchmark {
    static final int BURST = 32;
    private static final long MAC_A = 0x0200_0000_00a0L;
    private static final long MAC_B = 0x0200_0000_00b0L;

    /** Ethernet frame size without FCS: 60 (64 on the wire) and 1514 (1518). */
    @Param({"60", "1514"})
    public int frameBytes;

    private Path dir;
    private VhostUserPort a;
    private VhostUserPort b;
    private GuestDriver guestA;
    private GuestDriver guestB;
    private ForwardingEngine engine;
    private FrameBatch batch;

    private static byte[] frame(long dst, long src, int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = 0x08;
        return f;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("uniswitch-vhost-bench-");
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        a = new VhostUserPort("vma", dir.resolve("a.sock"), 1500, 1024, alloc);
        b = new VhostUserPort("vmb", dir.resolve("b.sock"), 1500, 1024, alloc);
        guestA = GuestDriver.connect(a.socketPath());
        guestB = GuestDriver.connect(b.socketPath());
        guestA.start(VhostUserBackend.FEATURES);
        guestB.start(VhostUserBackend.FEATURES);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(a.running() && b.running())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("vhost-user queues did not start");
            }
            Thread.sleep(10);
        }
        engine = new ForwardingEngine(EngineConfig.defaults(), System::nanoTime);
        engine.attach(a);
        engine.attach(b);
        batch = new FrameBatch();
        // B speaks first, so the switch knows where MAC_B is; then A's frames to B are known unicast.
        guestB.send(frame(MAC_A, MAC_B, 60), false);
        engine.pollOnce(b, batch);
        guestA.receive();
        guestA.fillTxBuffers(frame(MAC_B, MAC_A, frameBytes));
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int guestToGuest() {
        guestA.offerTx(BURST);
        int forwarded = 0;
        for (int tries = 0; forwarded < BURST && tries < 4; tries++) {
            forwarded += engine.pollOnce(a, batch);
        }
        guestB.drainRx();
        return forwarded;
    }

    /**
     * {@code java -cp bench/target/benchmarks.jar io.uniswitch.bench.jmh.VhostUserBenchmark [frames]}: the benchmark
     * loop on a FastThreadLocalThread, after a warm-up; prints frames/s and bytes allocated per frame.
     */
    public static void main(String[] args) throws Exception {
        final long frames = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        // As the switch runs (uniswitch run turns Netty's sampling leak detector off).
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        for (int bytes : new int[] {60, 1514}) {
            final VhostUserBenchmark b = new VhostUserBenchmark();
            b.frameBytes = bytes;
            b.setUp();
            final long[] result = new long[3];
            Thread t = new io.netty.util.concurrent.FastThreadLocalThread(() -> {
                com.sun.management.ThreadMXBean mx =
                        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                for (long i = 0; i < frames / BURST / 4; i++) {
                    b.guestToGuest();
                }
                long allocBefore = mx.getCurrentThreadAllocatedBytes();
                long start = System.nanoTime();
                long done = 0;
                for (long i = 0; i < frames / BURST; i++) {
                    done += b.guestToGuest();
                }
                result[0] = System.nanoTime() - start;
                result[1] = mx.getCurrentThreadAllocatedBytes() - allocBefore;
                result[2] = done;
            }, "loop");
            t.start();
            t.join();
            b.tearDown();
            double fps = result[2] * 1e9 / result[0];
            System.out.printf(java.util.Locale.ROOT, "%4d-byte frames: %.2f M frames/s (%.1f Gbit/s), %.3f bytes "
                    + "allocated per frame%n", bytes, fps / 1e6, fps * bytes * 8 / 1e9, (double) result[1] / result[2]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        guestA.close();
        guestB.close();
        a.close();
        b.close();
        Files.deleteIfExists(dir);
    }
}
