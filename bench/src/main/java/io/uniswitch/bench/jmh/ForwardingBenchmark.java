package io.uniswitch.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.port.MemoryPort;
import java.util.SplittableRandom;
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
 * Per-frame cost of the forwarding path on MemoryPorts that discard what they send, so only the engine and the
 * port queue are measured: parse, learn, look up, enqueue, flush. Run with {@code -prof gc}: the forwarding
 * benchmarks must show ~0 B/op (gc.alloc.rate.norm).
 *
 * <p>Frames are pooled direct buffers built once; each invocation retains each frame once before handing it to the
 * engine, and the egress port's release brings it back to refCnt 1, so no buffer is allocated per frame. Scores
 * are per frame ({@link OperationsPerInvocation} = one batch of {@link FrameBatch#MAX}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ForwardingBenchmark {
    private static final long HOST_BASE = 0x0200_0000_0000L;
    private static final int PAYLOAD_BYTES = 46;

    /** Two ports; 64 hosts on p1 are learned; frames go from 64 sources on p0 to those hosts. */
    @State(Scope.Thread)
    public static class Unicast {
        ForwardingEngine engine;
        MemoryPort ingress;
        MemoryPort egress;
        FrameBatch batch;
        ByteBuf[] frames;
        long nowNs;

        @Setup(Level.Trial)
        public void setUp() {
            engine = new ForwardingEngine(EngineConfig.defaults(), () -> nowNs);
            ingress = new MemoryPort("p0");
            egress = new MemoryPort("p1");
            ingress.setKeepSent(false);
            egress.setKeepSent(false);
            engine.attach(ingress);
            engine.attach(egress);
            batch = new FrameBatch();
            for (int h = 0; h < FrameBatch.MAX; h++) {
                batch.add(frame(Frames.BROADCAST, HOST_BASE + 0x1_0000 + h));
            }
            engine.forward(egress, batch);
            frames = new ByteBuf[FrameBatch.MAX];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = frame(HOST_BASE + 0x1_0000 + i, HOST_BASE + i);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            release(frames);
            ingress.close();
            egress.close();
        }
    }

    /** Nine ports; broadcast frames from p0 flood to the other eight. */
    @State(Scope.Thread)
    public static class Flood {
        static final int EGRESS_PORTS = 8;

        ForwardingEngine engine;
        MemoryPort ingress;
        MemoryPort[] egress;
        FrameBatch batch;
        ByteBuf[] frames;
        long nowNs;

        @Setup(Level.Trial)
        public void setUp() {
            engine = new ForwardingEngine(EngineConfig.defaults(), () -> nowNs);
            ingress = new MemoryPort("p0");
            engine.attach(ingress);
            egress = new MemoryPort[EGRESS_PORTS];
            for (int i = 0; i < EGRESS_PORTS; i++) {
                egress[i] = new MemoryPort("p" + (i + 1));
                egress[i].setKeepSent(false);
                engine.attach(egress[i]);
            }
            batch = new FrameBatch();
            frames = new ByteBuf[FrameBatch.MAX];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = frame(Frames.BROADCAST, HOST_BASE + i);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            release(frames);
            ingress.close();
            for (MemoryPort p : egress) {
                p.close();
            }
        }
    }

    /** An FDB holding {@code entries} random learned MACs; lookups cycle through them in random order. */
    @State(Scope.Thread)
    public static class FdbLookup {
        static final int KEYS = 1 << 16;

        @Param({"1000", "100000"})
        int entries;

        Fdb fdb;
        long[] keys;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            fdb = new Fdb(entries, entries, 16, EngineConfig.DEFAULT_AGEING_NS);
            SplittableRandom random = new SplittableRandom(42);
            long[] learned = new long[entries];
            for (int i = 0; i < entries; i++) {
                long mac = (random.nextLong() & Frames.MAC_MASK & ~(1L << 40)) | (1L << 41);
                learned[i] = Fdb.key(0, mac);
                fdb.learn(learned[i], i & 15, 0);
            }
            keys = new long[KEYS];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = learned[random.nextInt(entries)];
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(FrameBatch.MAX)
    public void unicast(Unicast s) {
        forwardAll(s.engine, s.ingress, s.batch, s.frames);
    }

    @Benchmark
    @OperationsPerInvocation(FrameBatch.MAX)
    public void flood8(Flood s) {
        forwardAll(s.engine, s.ingress, s.batch, s.frames);
    }

    @Benchmark
    public int fdbLookup(FdbLookup s) {
        int i = s.next;
        s.next = (i + 1) & (FdbLookup.KEYS - 1);
        return s.fdb.lookup(s.keys[i], 1);
    }

    private static void forwardAll(ForwardingEngine engine, MemoryPort ingress, FrameBatch batch, ByteBuf[] frames) {
        for (ByteBuf f : frames) {
            batch.add(f.retain());
        }
        engine.forward(ingress, batch);
    }

    private static ByteBuf frame(long dst, long src) {
        ByteBuf f = PooledByteBufAllocator.DEFAULT.directBuffer(Frames.HEADER_BYTES + PAYLOAD_BYTES);
        f.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        f.writeShort((int) (src >>> 32)).writeInt((int) src);
        f.writeShort(0x0800);
        f.writeZero(PAYLOAD_BYTES);
        return f;
    }

    private static void release(ByteBuf[] frames) {
        for (ByteBuf f : frames) {
            f.release();
        }
    }
}
