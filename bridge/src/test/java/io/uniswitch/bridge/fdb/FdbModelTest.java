package io.uniswitch.bridge.fdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The FDB against a HashMap model under random learn, remove, static, port removal, ageing and flush operations.
 * Small tables and clustered keys force long probe runs, wrap-around and backward shifts. jqwik prints the seed of
 * every run; rerun one with {@code @Property(seed = "...")}.
 */
class FdbModelTest {
    private static final int PORTS = 4;
    private static final long AGEING_NS = 100;
    private static final long[] KEYS = keys();

    /** An operation: kind picks what, key indexes {@link #KEYS}. */
    record Op(int kind, int key, int port, int dtNs) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, 11),
                Arbitraries.integers().between(0, KEYS.length - 1),
                Arbitraries.integers().between(0, PORTS - 1),
                Arbitraries.integers().between(0, 60)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 300)
    void behavesLikeTheModel(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 40) int maxEntries,
            @ForAll @IntRange(min = 1, max = 40) int maxPerPort) {
        Fdb fdb = new Fdb(maxEntries, maxPerPort, PORTS, AGEING_NS);
        Model model = new Model(maxEntries, maxPerPort);
        long now = 1_000;
        for (Op op : ops) {
            now += op.dtNs();
            long key = KEYS[op.key()];
            int vlan = Fdb.vlanOf(key);
            long mac = Fdb.macOf(key);
            switch (op.kind()) {
                case 6 -> assertEquals(model.remove(key), fdb.remove(vlan, mac), "remove " + op);
                case 7 -> {
                    if (model.canAddStatic(key)) {
                        fdb.addStatic(vlan, mac, op.port());
                        model.addStatic(key, op.port());
                    } else {
                        assertThrows(IllegalStateException.class, () -> fdb.addStatic(vlan, mac, op.port()));
                        model.remove(key);
                    }
                }
                case 8 -> {
                    fdb.invalidatePort(op.port());
                    model.generations[op.port()]++;
                }
                case 9 -> assertEquals(model.ageOutAll(now), fdb.ageOut(now, Integer.MAX_VALUE), "ageOut " + op);
                case 10 -> assertEquals(model.flushPort(op.port()), fdb.flushPort(op.port()), "flushPort " + op);
                case 11 -> {
                    // Only advances the clock.
                }
                default -> fdb.learn(key, op.port(), now);
            }
            if (op.kind() < 6) {
                model.learn(key, op.port(), now);
            }
            model.check(fdb, now, op);
        }
    }

    private static long[] keys() {
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            keys.add(Fdb.key(0, 0x0200_0000_0000L + i));
        }
        for (int i = 0; i < 8; i++) {
            keys.add(Fdb.key(1 + i, 0x0200_0000_0000L));
        }
        for (int i = 0; i < 8; i++) {
            keys.add(Fdb.key(0, 0x0000_0000_0001L + ((long) i << 40)));
        }
        return keys.stream().mapToLong(Long::longValue).toArray();
    }

    private static final class Entry {
        int port;
        boolean isStatic;
        long seenNs;
        int generation;
    }

    private static final class Model {
        final Map<Long, Entry> entries = new HashMap<>();
        final int[] generations = new int[PORTS];
        final int maxEntries;
        final int maxPerPort;

        Model(int maxEntries, int maxPerPort) {
            this.maxEntries = maxEntries;
            this.maxPerPort = maxPerPort;
        }

        boolean stale(Entry e) {
            return e.generation != generations[e.port];
        }

        boolean expired(Entry e, long now) {
            return !e.isStatic && now - e.seenNs >= AGEING_NS;
        }

        int count(int port) {
            int n = 0;
            for (Entry e : entries.values()) {
                if (e.port == port && !stale(e)) {
                    n++;
                }
            }
            return n;
        }

        void learn(long key, int port, long now) {
            Entry e = entries.get(key);
            if (e != null) {
                if (stale(e) || expired(e, now)) {
                    entries.remove(key);
                    insert(key, port, now);
                } else if (e.isStatic) {
                    return;
                } else if (e.port == port) {
                    e.seenNs = now;
                } else if (count(port) < maxPerPort) {
                    e.port = port;
                    e.generation = generations[port];
                    e.seenNs = now;
                }
                return;
            }
            insert(key, port, now);
        }

        void insert(long key, int port, long now) {
            if (entries.size() >= maxEntries || count(port) >= maxPerPort) {
                return;
            }
            Entry e = new Entry();
            e.port = port;
            e.seenNs = now;
            e.generation = generations[port];
            entries.put(key, e);
        }

        boolean canAddStatic(long key) {
            return entries.size() - (entries.containsKey(key) ? 1 : 0) < maxEntries;
        }

        void addStatic(long key, int port) {
            Entry e = new Entry();
            e.port = port;
            e.isStatic = true;
            e.generation = generations[port];
            entries.put(key, e);
        }

        boolean remove(long key) {
            Entry e = entries.remove(key);
            return e != null && !stale(e);
        }

        int ageOutAll(long now) {
            int before = entries.size();
            entries.values().removeIf(e -> stale(e) || expired(e, now));
            return before - entries.size();
        }

        int flushPort(int port) {
            int flushed = 0;
            for (var it = entries.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (stale(e)) {
                    it.remove();
                } else if (!e.isStatic && e.port == port) {
                    it.remove();
                    flushed++;
                }
            }
            return flushed;
        }

        void check(Fdb fdb, long now, Op after) {
            String where = "after " + after;
            for (long key : KEYS) {
                Entry e = entries.get(key);
                int expected = e == null || stale(e) || expired(e, now) ? Fdb.NO_PORT : e.port;
                assertEquals(expected, fdb.lookup(key, now), where + " lookup " + Long.toHexString(key));
            }
            assertEquals(entries.size(), fdb.size(), where + " size");
            int stale = 0;
            for (Entry e : entries.values()) {
                stale += stale(e) ? 1 : 0;
            }
            assertEquals(stale, fdb.staleEntries(), where + " staleEntries");
            for (int p = 0; p < PORTS; p++) {
                assertEquals(count(p), fdb.portEntries(p), where + " portEntries " + p);
            }
            List<Fdb.Entry> live = new ArrayList<>();
            entries.forEach((key, e) -> {
                if (!stale(e) && !expired(e, now)) {
                    live.add(new Fdb.Entry(Fdb.vlanOf(key), Fdb.macOf(key), e.port, e.isStatic,
                            e.isStatic ? 0 : now - e.seenNs));
                }
            });
            live.sort(java.util.Comparator.comparingInt(Fdb.Entry::vlan).thenComparingLong(Fdb.Entry::mac));
            assertEquals(live, fdb.entries(now), where + " entries");
        }
    }
}
