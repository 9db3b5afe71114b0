package io.uniswitch.bridge.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.frame.TestFrames;
import io.uniswitch.bridge.port.MemoryPort;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A MAC flood (random source addresses) on one port must not evict the hosts already learned on other ports; the
 * sources it cannot learn are counted as refused and their frames are still forwarded. Set the seed with
 * {@code -Duniswitch.seed=N}; the seed in use is printed.
 */
class MacFloodTest {
    private static final int FLOOD_FRAMES = 100_000;
    private static final int HOSTS = 10;
    private static final long HOST_BASE = 0x02AA_0000_0000L;
    private static final long SEED = Long.getLong("uniswitch.seed", System.nanoTime());

    private final EngineFixture fx = new EngineFixture(EngineConfig.defaults(), new TestFrames(false));
    private final SplittableRandom random = new SplittableRandom(SEED);

    @AfterEach
    void noLeaks() {
        fx.close();
    }

    /** Sends frames with random unicast sources (never a host's) from ingress to dst; returns distinct sources. */
    private Set<Long> flood(MemoryPort ingress, long dst, int count) {
        Set<Long> sources = new HashSet<>();
        FrameBatch batch = new FrameBatch();
        for (int i = 0; i < count; i++) {
            long src = (random.nextLong() & Frames.MAC_MASK & ~(1L << 40)) | (1L << 41);
            if ((src & 0xFFFF_0000_0000L) == HOST_BASE) {
                src ^= 1L << 47;
            }
            sources.add(src);
            batch.add(fx.frames.ethernet(dst, src, 46));
            if (batch.remaining() == 0 || i == count - 1) {
                fx.engine.forward(ingress, batch);
            }
        }
        return sources;
    }

    private void learnHosts(MemoryPort port, long base) {
        for (int h = 0; h < HOSTS; h++) {
            fx.send(port, Frames.BROADCAST, base + h);
        }
    }

    @Test
    void floodOnOnePortNeverEvictsHostsOfAnother() {
        System.out.println("MacFloodTest seed " + SEED + " (rerun with -Duniswitch.seed=" + SEED + ")");
        MemoryPort attacker = fx.attach("attacker");
        MemoryPort hosts = fx.attach("hosts");
        MemoryPort other = fx.attach("other");
        for (MemoryPort p : fx.ports) {
            p.setKeepSent(false);
        }
        learnHosts(hosts, HOST_BASE);
        Set<Long> sources = flood(attacker, HOST_BASE, FLOOD_FRAMES);

        Fdb fdb = fx.engine.fdb();
        assertEquals(EngineConfig.DEFAULT_FDB_MAX_ENTRIES_PER_PORT, fdb.portEntries(attacker.index()));
        assertEquals(HOSTS, fdb.portEntries(hosts.index()));
        assertEquals(HOSTS + EngineConfig.DEFAULT_FDB_MAX_ENTRIES_PER_PORT, fx.engine.counters().fdbLearned());
        assertEquals(sources.size() - EngineConfig.DEFAULT_FDB_MAX_ENTRIES_PER_PORT, fx.engine.counters().fdbRefused());
        assertEquals(FLOOD_FRAMES, hosts.counters().txFrames, "refused sources' frames are still forwarded");
        assertEquals(0, fx.engine.counters().totalDrops());
        for (int h = 0; h < HOSTS; h++) {
            assertEquals(hosts.index(), fdb.lookup(Fdb.key(0, HOST_BASE + h), fx.nowNs));
        }
        long txBefore = hosts.counters().txFrames;
        for (int h = 0; h < HOSTS; h++) {
            fx.send(other, HOST_BASE + h, 0x0200_0000_0001L);
        }
        assertEquals(txBefore + HOSTS, hosts.counters().txFrames);
        assertEquals(HOSTS, attacker.counters().txFrames, "the attacker got only the hosts' broadcasts");
    }

    @Test
    void floodsThatFillTheWholeTableStillEvictNobody() {
        System.out.println("MacFloodTest seed " + SEED + " (rerun with -Duniswitch.seed=" + SEED + ")");
        MemoryPort hosts = fx.attach("hosts");
        MemoryPort attacker1 = fx.attach("attacker1");
        MemoryPort attacker2 = fx.attach("attacker2");
        MemoryPort attacker3 = fx.attach("attacker3");
        for (MemoryPort p : fx.ports) {
            p.setKeepSent(false);
        }
        learnHosts(hosts, HOST_BASE);
        flood(attacker1, HOST_BASE, 20_000);
        flood(attacker2, HOST_BASE, 20_000);
        flood(attacker3, HOST_BASE, 20_000);
        Fdb fdb = fx.engine.fdb();
        assertEquals(EngineConfig.DEFAULT_FDB_MAX_ENTRIES, fdb.size());
        assertEquals(EngineConfig.DEFAULT_FDB_MAX_ENTRIES - HOSTS - 4096, fdb.portEntries(attacker2.index()));
        assertEquals(0, fdb.portEntries(attacker3.index()));
        for (int h = 0; h < HOSTS; h++) {
            assertEquals(hosts.index(), fdb.lookup(Fdb.key(0, HOST_BASE + h), fx.nowNs));
        }
        // A new host cannot be learned while the table is full, but is forwarded; once the flood's entries age out,
        // it is learned.
        long newHost = HOST_BASE + 0x100;
        fx.send(hosts, Frames.BROADCAST, newHost);
        assertEquals(-1, fdb.lookup(Fdb.key(0, newHost), fx.nowNs));
        fx.nowNs += EngineConfig.DEFAULT_AGEING_NS;
        int removed = 0;
        int step;
        while ((step = fx.engine.ageOut(1024)) > 0) {
            removed += step;
        }
        assertEquals(EngineConfig.DEFAULT_FDB_MAX_ENTRIES, removed);
        fx.send(hosts, Frames.BROADCAST, newHost);
        assertEquals(hosts.index(), fdb.lookup(Fdb.key(0, newHost), fx.nowNs));
        assertArrayEquals(new int[] {0, 0, 0, 0}, fx.takeCounts());
    }
}
