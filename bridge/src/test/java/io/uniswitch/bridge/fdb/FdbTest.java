package io.uniswitch.bridge.fdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FdbTest {
    private static final long AGEING_NS = 300_000_000_000L;
    private static final long T0 = 1_000_000L;
    private static final long MAC_A = 0x0200_0000_000AL;
    private static final long MAC_B = 0x0200_0000_B000L;

    private final Fdb fdb = new Fdb(8192, 4096, 16, AGEING_NS);

    private static long k(long mac) {
        return Fdb.key(0, mac);
    }

    @Test
    void keyPacksVlanAboveMac() {
        long key = Fdb.key(0xABC, 0xFFFF_FFFF_FFFFL);
        assertEquals(0x0ABC_FFFF_FFFF_FFFFL, key);
        assertEquals(0xABC, Fdb.vlanOf(key));
        assertEquals(0xFFFF_FFFF_FFFFL, Fdb.macOf(key));
        assertEquals(Fdb.key(1, MAC_A) - Fdb.key(0, MAC_A), 1L << 48);
    }

    @Test
    void learnsRefreshesAndLooksUp() {
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_A), T0));
        assertEquals(Fdb.LEARN_NEW, fdb.learn(k(MAC_A), 3, T0));
        assertEquals(3, fdb.lookup(k(MAC_A), T0));
        assertEquals(Fdb.LEARN_REFRESHED, fdb.learn(k(MAC_A), 3, T0 + 5));
        assertEquals(1, fdb.size());
        assertEquals(1, fdb.counters().learned());
        assertEquals(1, fdb.portEntries(3));
    }

    @Test
    void vlansAreSeparateKeys() {
        fdb.learn(Fdb.key(1, MAC_A), 1, T0);
        fdb.learn(Fdb.key(2, MAC_A), 2, T0);
        assertEquals(1, fdb.lookup(Fdb.key(1, MAC_A), T0));
        assertEquals(2, fdb.lookup(Fdb.key(2, MAC_A), T0));
        assertEquals(Fdb.NO_PORT, fdb.lookup(Fdb.key(0, MAC_A), T0));
    }

    @Test
    void entryExpiresExactlyAfterAgeingSinceLastSeen() {
        fdb.learn(k(MAC_A), 1, T0);
        assertEquals(1, fdb.lookup(k(MAC_A), T0 + AGEING_NS - 1));
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_A), T0 + AGEING_NS));
        fdb.learn(k(MAC_B), 1, T0);
        fdb.learn(k(MAC_B), 1, T0 + 100);
        assertEquals(1, fdb.lookup(k(MAC_B), T0 + AGEING_NS + 99));
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_B), T0 + AGEING_NS + 100));
    }

    @Test
    void relearningAnExpiredEntryCountsAgedThenLearned() {
        fdb.learn(k(MAC_A), 1, T0);
        assertEquals(Fdb.LEARN_NEW, fdb.learn(k(MAC_A), 2, T0 + AGEING_NS));
        assertEquals(2, fdb.lookup(k(MAC_A), T0 + AGEING_NS));
        assertEquals(1, fdb.counters().aged());
        assertEquals(2, fdb.counters().learned());
        assertEquals(0, fdb.counters().moved());
        assertEquals(1, fdb.size());
    }

    @Test
    void ageOutRemovesOnlyExpiredEntriesAndIsBounded() {
        for (int i = 0; i < 100; i++) {
            fdb.learn(k(MAC_A + i), 1, T0);
        }
        for (int i = 0; i < 50; i++) {
            fdb.learn(k(MAC_B + 1000 + i), 2, T0 + 10);
        }
        assertEquals(0, fdb.ageOut(T0 + AGEING_NS - 1, Integer.MAX_VALUE));
        assertEquals(30, fdb.ageOut(T0 + AGEING_NS, 30));
        assertEquals(120, fdb.size());
        assertEquals(30, fdb.ageOut(T0 + AGEING_NS, 30));
        assertEquals(40, fdb.ageOut(T0 + AGEING_NS, 1000));
        assertEquals(0, fdb.ageOut(T0 + AGEING_NS, 1000));
        assertEquals(50, fdb.size());
        assertEquals(100, fdb.counters().aged());
        assertEquals(0, fdb.portEntries(1));
        assertEquals(50, fdb.portEntries(2));
        for (int i = 0; i < 50; i++) {
            assertEquals(2, fdb.lookup(k(MAC_B + 1000 + i), T0 + AGEING_NS));
        }
    }

    @Test
    void movesAreCounted() {
        fdb.learn(k(MAC_A), 1, T0);
        assertEquals(Fdb.LEARN_MOVED, fdb.learn(k(MAC_A), 2, T0 + 1));
        assertEquals(2, fdb.lookup(k(MAC_A), T0 + 1));
        assertEquals(1, fdb.counters().moved());
        assertEquals(0, fdb.portEntries(1));
        assertEquals(1, fdb.portEntries(2));
    }

    @Test
    void staticEntriesNeverAgeAndAreNeverMoved() {
        fdb.addStatic(0, MAC_A, 4);
        assertEquals(4, fdb.lookup(k(MAC_A), T0 + 100 * AGEING_NS));
        assertEquals(Fdb.LEARN_STATIC, fdb.learn(k(MAC_A), 4, T0));
        assertEquals(Fdb.LEARN_STATIC_MOVE_REFUSED, fdb.learn(k(MAC_A), 5, T0));
        assertEquals(4, fdb.lookup(k(MAC_A), T0));
        assertEquals(1, fdb.counters().staticMoveRefused());
        assertEquals(0, fdb.counters().moved());
        assertEquals(0, fdb.ageOut(T0 + 100 * AGEING_NS, 100));
        assertEquals(0, fdb.flushAll());
        assertEquals(0, fdb.flushPort(4));
        assertEquals(4, fdb.lookup(k(MAC_A), T0));
    }

    @Test
    void addStaticReplacesLearnedEntry() {
        fdb.learn(k(MAC_A), 1, T0);
        fdb.addStatic(0, MAC_A, 2);
        assertEquals(1, fdb.size());
        assertEquals(0, fdb.portEntries(1));
        assertEquals(1, fdb.portEntries(2));
        List<Fdb.Entry> entries = fdb.entries(T0);
        assertEquals(List.of(new Fdb.Entry(0, MAC_A, 2, true, 0)), entries);
    }

    @Test
    void globalLimitRefusesNewKeysButKeepsRefreshing() {
        Fdb small = new Fdb(10, 10, 4, AGEING_NS);
        for (int i = 0; i < 10; i++) {
            assertEquals(Fdb.LEARN_NEW, small.learn(k(MAC_A + i), i % 3, T0));
        }
        assertEquals(Fdb.LEARN_REFUSED, small.learn(k(MAC_B + 100), 3, T0));
        assertEquals(Fdb.LEARN_REFRESHED, small.learn(k(MAC_A), 0, T0 + 1));
        assertEquals(1, small.counters().refused());
        assertEquals(10, small.size());
        assertThrows(IllegalStateException.class, () -> small.addStatic(0, MAC_B + 200, 1));
    }

    @Test
    void perPortLimitRefusesNewKeysAndMovesIntoAFullPort() {
        Fdb small = new Fdb(100, 3, 4, AGEING_NS);
        for (int i = 0; i < 3; i++) {
            small.learn(k(MAC_A + i), 1, T0);
        }
        assertEquals(Fdb.LEARN_REFUSED, small.learn(k(MAC_A + 3), 1, T0));
        small.learn(k(MAC_B), 2, T0);
        assertEquals(Fdb.LEARN_REFUSED, small.learn(k(MAC_B), 1, T0));
        assertEquals(2, small.lookup(k(MAC_B), T0));
        assertEquals(2, small.counters().refused());
        assertEquals(Fdb.LEARN_NEW, small.learn(k(MAC_A + 3), 3, T0));
    }

    @Test
    void invalidatedPortMissesAtOnceAndIsReclaimedLater() {
        fdb.learn(k(MAC_A), 1, T0);
        fdb.addStatic(0, MAC_B, 1);
        fdb.learn(k(MAC_A + 1), 2, T0);
        fdb.invalidatePort(1);
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_A), T0));
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_B), T0));
        assertEquals(2, fdb.lookup(k(MAC_A + 1), T0));
        assertEquals(3, fdb.size());
        assertEquals(2, fdb.staleEntries());
        assertEquals(0, fdb.portEntries(1));
        // The index is reused by a new port: old entries stay dead, new ones count afresh.
        assertEquals(Fdb.LEARN_NEW, fdb.learn(k(MAC_A), 1, T0 + 1));
        assertEquals(1, fdb.lookup(k(MAC_A), T0 + 1));
        assertEquals(1, fdb.staleEntries());
        assertEquals(1, fdb.ageOut(T0 + 1, 100));
        assertEquals(0, fdb.staleEntries());
        assertEquals(2, fdb.size());
        assertEquals(1, fdb.portEntries(1));
        assertEquals(0, fdb.counters().aged());
    }

    @Test
    void removeAndFlush() {
        fdb.learn(k(MAC_A), 1, T0);
        fdb.learn(k(MAC_A + 1), 1, T0);
        fdb.learn(k(MAC_A + 2), 2, T0);
        fdb.addStatic(0, MAC_B, 1);
        assertTrue(fdb.remove(0, MAC_A));
        assertFalse(fdb.remove(0, MAC_A));
        assertEquals(1, fdb.flushPort(1));
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_A + 1), T0));
        assertEquals(1, fdb.lookup(k(MAC_B), T0));
        assertEquals(1, fdb.flushAll());
        assertEquals(1, fdb.size());
        assertTrue(fdb.remove(0, MAC_B));
        assertEquals(0, fdb.size());
    }

    @Test
    void entriesListsLiveEntriesSortedWithAge() {
        fdb.learn(Fdb.key(2, MAC_A), 1, T0);
        fdb.learn(Fdb.key(0, MAC_B), 2, T0 + 10);
        fdb.learn(Fdb.key(0, MAC_A), 3, T0 - AGEING_NS);
        assertEquals(List.of(new Fdb.Entry(0, MAC_B, 2, false, 90), new Fdb.Entry(2, MAC_A, 1, false, 100)),
                fdb.entries(T0 + 100));
    }

    @Test
    void ageingZeroLearnsNothing() {
        Fdb off = new Fdb(10, 10, 4, 0);
        assertEquals(Fdb.LEARN_OFF, off.learn(k(MAC_A), 1, T0));
        assertEquals(Fdb.NO_PORT, off.lookup(k(MAC_A), T0));
        assertEquals(0, off.size());
        off.addStatic(0, MAC_B, 2);
        assertEquals(2, off.lookup(k(MAC_B), T0));
    }

    @Test
    void settingAgeingToZeroMakesLearnedEntriesMiss() {
        fdb.learn(k(MAC_A), 1, T0);
        fdb.setAgeingNs(0);
        assertEquals(Fdb.NO_PORT, fdb.lookup(k(MAC_A), T0));
        assertEquals(1, fdb.ageOut(T0, 10));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Fdb(0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Fdb(1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Fdb(1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Fdb(1, 1, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> fdb.addStatic(4096, MAC_A, 1));
        assertThrows(IllegalArgumentException.class, () -> fdb.addStatic(0, MAC_A, 16));
        assertThrows(IllegalArgumentException.class, () -> fdb.invalidatePort(-1));
    }

    @Test
    void sequentialAndClusteredKeysSurviveHeavyChurn() {
        Fdb table = new Fdb(1000, 1000, 2, AGEING_NS);
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(Fdb.LEARN_NEW, table.learn(k(MAC_A + round * 7919L + i), i & 1, T0));
            }
            for (int i = 0; i < 1000; i += 2) {
                assertTrue(table.remove(0, MAC_A + round * 7919L + i));
            }
            for (int i = 1; i < 1000; i += 2) {
                assertEquals(1, table.lookup(k(MAC_A + round * 7919L + i), T0));
            }
            assertEquals(500, table.flushPort(1));
            assertEquals(0, table.size());
        }
    }
}
