package io.uniswitch.bridge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.uniswitch.bridge.frame.TestFrames;
import io.uniswitch.bridge.port.MemoryPort;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Untrusted input: random bytes and random lengths (0 to 2000), plus frames with plausible headers drawn from a few
 * addresses so learning, moves, split horizon and limits are exercised. The engine must never throw and must
 * release every frame exactly once. jqwik prints each run's seed; rerun one with {@code @Property(seed = "...")}.
 */
class MalformedFramesTest {
    private static final long[] MACS = {
        0x0200_0000_0001L, 0x0200_0000_0002L, 0x0200_0000_0003L, 0x0200_0000_0004L, 0xFFFF_FFFF_FFFFL,
        0x0180_C200_0000L, 0x0180_C200_000EL, 0x0100_5E00_0001L, 0L, 0x3333_0000_0001L,
    };

    /** One frame arriving on port {@code ingress} after the clock advanced by dtNs; ingress -1 runs ageOut. */
    record Input(byte[] bytes, int ingress, int dtNs) {
    }

    @Provide
    Arbitrary<List<Input>> inputs() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(2000);
        Arbitrary<byte[]> plausible = Combinators.combine(
                mac(), mac(),
                Arbitraries.of(0x0800, 0x8100, 0x86DD, 0x0000, 0xFFFF),
                Arbitraries.integers().between(0, 2000)).as(MalformedFramesTest::frame);
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
                Tuple.of(1, random), Tuple.of(3, plausible));
        return Combinators.combine(bytes, Arbitraries.integers().between(-1, 4), Arbitraries.integers().between(0, 400))
                .as(Input::new).list().ofMaxSize(300);
    }

    private static Arbitrary<Long> mac() {
        return Arbitraries.integers().between(0, MACS.length - 1).map(i -> MACS[i]);
    }

    @Property(tries = 200)
    void neverThrowsAndNeverLeaks(@ForAll("inputs") List<Input> inputs) {
        EngineConfig config = new EngineConfig(1_000, 6, 3, 8);
        try (EngineFixture fx = new EngineFixture(config, new TestFrames())) {
            fx.attach(new MemoryPort("p0", 1500, 1024));
            fx.attach(new MemoryPort("p1", 9000, 1024));
            MemoryPort blocked = fx.attach(new MemoryPort("p2", 9000, 8));
            blocked.setTxCapacity(4);
            MemoryPort down = fx.attach(new MemoryPort("p3", 1000, 16));
            down.setUp(false);
            fx.attach(new MemoryPort("p4", 1200, 64));
            fx.ports.get(1).failNextWrites(3);
            feed(fx, inputs);
        }
    }

    @Property(tries = 200)
    void everyFrameIsForwardedOrDroppedExactlyOnce(@ForAll("inputs") List<Input> inputs) {
        EngineConfig config = new EngineConfig(1_000, 8, 4, 5);
        try (EngineFixture fx = new EngineFixture(config, new TestFrames())) {
            for (int i = 0; i < 4; i++) {
                fx.attach(new MemoryPort("p" + i, 9000, 1024)).setKeepSent(false);
            }
            fx.attach(new MemoryPort("p4", 9000, 1024)).setKeepSent(false);
            int frames = feed(fx, inputs);
            SwitchCounters c = fx.engine.counters();
            long ingressDrops = c.dropCount(DropReason.RUNT) + c.dropCount(DropReason.INVALID_SRC_MAC)
                    + c.dropCount(DropReason.LINK_LOCAL) + c.dropCount(DropReason.SAME_PORT);
            assertEquals(frames, c.unicastFrames() + c.floodedFrames() + ingressDrops);
            assertEquals(ingressDrops, c.totalDrops());
            long tx = 0;
            for (MemoryPort p : fx.ports) {
                tx += p.counters().txFrames;
            }
            assertEquals(c.unicastFrames() + 4 * c.floodedFrames(), tx);
        }
    }

    /** Feeds inputs in batches of consecutive frames from one port; returns frames fed. */
    private static int feed(EngineFixture fx, List<Input> inputs) {
        FrameBatch batch = new FrameBatch();
        int batchIngress = -1;
        int frames = 0;
        for (Input in : inputs) {
            if (!batch.isEmpty() && (in.ingress() != batchIngress || batch.remaining() == 0)) {
                fx.engine.forward(fx.ports.get(batchIngress), batch);
            }
            fx.nowNs += in.dtNs();
            if (in.ingress() < 0) {
                fx.engine.ageOut(2);
                continue;
            }
            batchIngress = in.ingress();
            batch.add(fx.frames.raw(in.bytes()));
            frames++;
        }
        if (!batch.isEmpty()) {
            fx.engine.forward(fx.ports.get(batchIngress), batch);
        }
        return frames;
    }

    private static byte[] frame(long dst, long src, int etherType, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31);
        }
        long[] macs = {dst, src};
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < 6 && m * 6 + i < length; i++) {
                b[m * 6 + i] = (byte) (macs[m] >>> (40 - 8 * i));
            }
        }
        if (length > 13) {
            b[12] = (byte) (etherType >>> 8);
            b[13] = (byte) etherType;
        }
        return b;
    }
}
