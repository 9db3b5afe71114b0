package io.uniswitch.bridge.fdb;

import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.frame.Macs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The forwarding database: (VLAN, MAC) to port index, with ageing, static entries and bounded size.
 *
 * <p>Invariants: a primitive open-addressing table (linear probing, backward-shift deletion, no tombstones) of
 * fixed size, at least twice {@code maxEntries}, so a probe always ends at an empty slot and nothing is allocated or
 * resized after construction. Each slot is four longs: key ({@code vlan << 48 | mac}, or {@link #EMPTY}), meta (port
 * index in bits 0..15, static flag in bit 16, the port's generation in bits 32..63) and last-seen time; the fourth
 * long pads a slot to 32 bytes so that no slot straddles a 64-byte cache line and a lookup touches one line.
 * An entry is live when its generation equals its port's current generation and, unless static, it was seen less
 * than {@code ageingNs} ago. {@link #invalidatePort} bumps a generation, so a removed port's entries miss at once
 * and are reclaimed later by {@link #ageOut}, without an inline sweep. Dead entries (expired or stale) keep their
 * slot, and count towards the limits, until {@link #ageOut} or a relearn of the same key reclaims them.
 *
 * <p>Limits: learning a new key is refused (and counted) when the table holds {@code maxEntries} entries or the
 * port holds {@code maxEntriesPerPort}; existing entries are never evicted to make room, so a MAC flood on one
 * port cannot push out the hosts of another.
 *
 * <p>Thread: owned by one loop thread, which alone calls every method. {@link #entries} allocates and is meant for
 * the control plane (run on the loop via a proxy); all other methods are allocation-free.
 */
public final class Fdb {
    /** {@link #lookup} result for a key without a live entry. */
    public static final int NO_PORT = -1;

    /** {@link #learn} results. */
    public static final int LEARN_REFRESHED = 0;
    public static final int LEARN_NEW = 1;
    public static final int LEARN_MOVED = 2;
    public static final int LEARN_REFUSED = 3;
    /** The key has a static entry on the same port: nothing to do. */
    public static final int LEARN_STATIC = 4;
    public static final int LEARN_STATIC_MOVE_REFUSED = 5;
    /** Ageing is 0: learning is off. */
    public static final int LEARN_OFF = 6;

    public static final int MAX_VLAN = 0xFFF;
    /** Largest capacity: the table of 2^23 slots of 32 bytes takes 256 MiB. */
    public static final int MAX_ENTRIES_LIMIT = 1 << 22;
    /** Port indices are packed in 16 bits of an entry. */
    public static final int MAX_PORTS_LIMIT = 1 << 16;

    private static final long EMPTY = -1L;
    private static final int STRIDE = 4;
    private static final int META = 1;
    private static final int SEEN = 2;
    private static final long PORT_MASK = 0xFFFFL;
    private static final long STATIC_BIT = 1L << 16;
    /** 2^64 / golden ratio: Fibonacci hashing spreads sequential MACs and VLANs over the high bits. */
    private static final long HASH_MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;

    private final long[] slots;
    private final int slotMask;
    private final int hashShift;
    private final int tableEntries;
    private final int maxEntries;
    private final int maxEntriesPerPort;
    private final int[] portGenerations;
    private final int[] portEntries;
    private final FdbCounters counters = new FdbCounters();
    private long ageingNs;
    private int size;
    private int staleEntries;
    private int ageCursor;

    /**
     * @param maxEntries table capacity, 1 to {@link #MAX_ENTRIES_LIMIT}
     * @param maxEntriesPerPort entries one port may hold, at least 1
     * @param maxPorts port indices are 0 to maxPorts - 1, at most {@link #MAX_PORTS_LIMIT}
     * @param ageingNs learned entries expire this long after last seen; 0 turns learning off
     */
    public Fdb(int maxEntries, int maxEntriesPerPort, int maxPorts, long ageingNs) {
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
            throw new IllegalArgumentException("fdb maxEntries " + maxEntries + ": expected 1 to " + MAX_ENTRIES_LIMIT);
        }
        if (maxEntriesPerPort < 1) {
            throw new IllegalArgumentException("fdb maxEntriesPerPort " + maxEntriesPerPort + ": expected >= 1");
        }
        if (maxPorts < 1 || maxPorts > MAX_PORTS_LIMIT) {
            throw new IllegalArgumentException("fdb maxPorts " + maxPorts + ": expected 1 to " + MAX_PORTS_LIMIT);
        }
        if (ageingNs < 0) {
            throw new IllegalArgumentException("fdb ageingNs " + ageingNs + ": expected >= 0");
        }
        this.tableEntries = Integer.highestOneBit(maxEntries * 2 - 1) << 1;
        this.slots = new long[tableEntries * STRIDE];
        Arrays.fill(slots, EMPTY);
        this.slotMask = slots.length - 1;
        this.hashShift = 64 - Integer.numberOfTrailingZeros(tableEntries);
        this.maxEntries = maxEntries;
        this.maxEntriesPerPort = maxEntriesPerPort;
        this.portGenerations = new int[maxPorts];
        this.portEntries = new int[maxPorts];
        this.ageingNs = ageingNs;
    }

    /** Packs a VLAN id (12 bits) and a MAC (48 bits) into a key. */
    public static long key(int vlan, long mac) {
        return ((long) (vlan & MAX_VLAN) << 48) | (mac & Frames.MAC_MASK);
    }

    public static int vlanOf(long key) {
        return (int) (key >>> 48) & MAX_VLAN;
    }

    public static long macOf(long key) {
        return key & Frames.MAC_MASK;
    }

    /** The port index of the live entry for key, or {@link #NO_PORT} (absent, expired or of a removed port). */
    public int lookup(long key, long nowNs) {
        final long[] s = slots;
        int i = home(key);
        for (;;) {
            long k = s[i];
            if (k == key) {
                long meta = s[i + META];
                int port = (int) (meta & PORT_MASK);
                if ((int) (meta >>> 32) != portGenerations[port]
                        || ((meta & STATIC_BIT) == 0 && nowNs - s[i + SEEN] >= ageingNs)) {
                    return NO_PORT;
                }
                return port;
            }
            if (k == EMPTY) {
                return NO_PORT;
            }
            i = (i + STRIDE) & slotMask;
        }
    }

    /**
     * Records that key was seen on port at nowNs: refreshes, makes or moves a learned entry, within the limits.
     * Counts learned, moved, aged, refused and staticMoveRefused events.
     *
     * @return one of the {@code LEARN_*} constants
     */
    public int learn(long key, int port, long nowNs) {
        if (ageingNs == 0) {
            return LEARN_OFF;
        }
        final long[] s = slots;
        int i = home(key);
        for (;;) {
            long k = s[i];
            if (k == key) {
                return relearn(i, key, port, nowNs);
            }
            if (k == EMPTY) {
                return insertLearned(i, key, port, nowNs);
            }
            i = (i + STRIDE) & slotMask;
        }
    }

    private int relearn(int i, long key, int port, long nowNs) {
        final long meta = slots[i + META];
        final int owner = (int) (meta & PORT_MASK);
        if ((int) (meta >>> 32) != portGenerations[owner]) {
            removeAt(i);
            return insertLearned(emptySlotFor(key), key, port, nowNs);
        }
        if ((meta & STATIC_BIT) != 0) {
            if (owner == port) {
                return LEARN_STATIC;
            }
            counters.staticMoveRefused++;
            return LEARN_STATIC_MOVE_REFUSED;
        }
        if (nowNs - slots[i + SEEN] >= ageingNs) {
            counters.aged++;
            removeAt(i);
            return insertLearned(emptySlotFor(key), key, port, nowNs);
        }
        if (owner == port) {
            slots[i + SEEN] = nowNs;
            return LEARN_REFRESHED;
        }
        if (portEntries[port] >= maxEntriesPerPort) {
            counters.refused++;
            return LEARN_REFUSED;
        }
        portEntries[owner]--;
        portEntries[port]++;
        slots[i + META] = meta(port, false);
        slots[i + SEEN] = nowNs;
        counters.moved++;
        return LEARN_MOVED;
    }

    private int insertLearned(int i, long key, int port, long nowNs) {
        if (size >= maxEntries || portEntries[port] >= maxEntriesPerPort) {
            counters.refused++;
            return LEARN_REFUSED;
        }
        put(i, key, meta(port, false), nowNs);
        counters.learned++;
        return LEARN_NEW;
    }

    private void put(int i, long key, long meta, long seenNs) {
        slots[i] = key;
        slots[i + META] = meta;
        slots[i + SEEN] = seenNs;
        portEntries[(int) (meta & PORT_MASK)]++;
        size++;
    }

    /**
     * Adds or replaces the static entry for (vlan, mac): it never ages and learning never moves it. Add it after the
     * port is attached; detaching the port removes it (lazily, like learned entries).
     *
     * @throws IllegalArgumentException for a VLAN or port index out of range
     * @throws IllegalStateException when the table is full
     */
    public void addStatic(int vlan, long mac, int portIndex) {
        if (vlan < 0 || vlan > MAX_VLAN) {
            throw new IllegalArgumentException("vlan " + vlan + ": expected 0 to " + MAX_VLAN);
        }
        checkPort(portIndex);
        final long key = key(vlan, mac);
        int i = find(key);
        if (i >= 0) {
            removeAt(i);
        }
        if (size >= maxEntries) {
            throw new IllegalStateException("FDB full (" + maxEntries + " entries): cannot add static entry vlan "
                    + vlan + " mac " + Macs.format(mac)
                    + "; raise fdbMaxEntries or remove entries");
        }
        put(emptySlotFor(key), key, meta(portIndex, true), 0L);
    }

    /** Removes the entry for (vlan, mac), static or learned. Returns true when a live one was there. */
    public boolean remove(int vlan, long mac) {
        int i = find(key(vlan, mac));
        if (i < 0) {
            return false;
        }
        long meta = slots[i + META];
        boolean live = (int) (meta >>> 32) == portGenerations[(int) (meta & PORT_MASK)];
        removeAt(i);
        return live;
    }

    /** Removes the learned entries of one port (static ones stay, as with {@code bridge fdb flush}). */
    public int flushPort(int portIndex) {
        checkPort(portIndex);
        return sweepLearned(portIndex);
    }

    /** Removes every learned entry, and every entry of a removed port; static entries stay. */
    public int flushAll() {
        return sweepLearned(-1);
    }

    private int sweepLearned(int portIndex) {
        int removed = 0;
        int i = 0;
        while (i < slots.length) {
            if (slots[i] != EMPTY) {
                long meta = slots[i + META];
                int owner = (int) (meta & PORT_MASK);
                boolean stale = (int) (meta >>> 32) != portGenerations[owner];
                boolean learned = (meta & STATIC_BIT) == 0;
                if (stale || (learned && (portIndex < 0 || owner == portIndex))) {
                    removeAt(i);
                    if (!stale) {
                        removed++;
                    }
                    continue; // backward shift may have moved another entry into slot i
                }
            }
            i += STRIDE;
        }
        return removed;
    }

    /**
     * Makes every entry of the port miss from now on, in O(1): bumps the port's generation. The entries keep their
     * slots (counted in {@link #size()}) until {@link #ageOut} reclaims them. Call when a port is removed, before its
     * index is reused.
     */
    public void invalidatePort(int portIndex) {
        checkPort(portIndex);
        staleEntries += portEntries[portIndex];
        portEntries[portIndex] = 0;
        portGenerations[portIndex]++;
    }

    /**
     * Reclaims up to maxEntries dead entries (expired, or of a removed port), resuming where the last call stopped
     * and examining at most one table's worth of slots. Counts expired learned entries as aged.
     *
     * @return entries removed
     */
    public int ageOut(long nowNs, int maxEntries) {
        int removed = 0;
        int budget = tableEntries;
        int i = ageCursor;
        // A pass examines each slot once; a removal re-examines its slot without spending budget. A backward shift
        // moves an entry only to a slot between the current one and its old slot, so no entry jumps from ahead of
        // the scan to behind it, and one pass misses no dead entry.
        while (removed < maxEntries && budget > 0) {
            if (slots[i] != EMPTY) {
                long meta = slots[i + META];
                boolean stale = (int) (meta >>> 32) != portGenerations[(int) (meta & PORT_MASK)];
                boolean expired = (meta & STATIC_BIT) == 0 && nowNs - slots[i + SEEN] >= ageingNs;
                if (stale || expired) {
                    if (!stale) {
                        counters.aged++;
                    }
                    removeAt(i);
                    removed++;
                    continue;
                }
            }
            budget--;
            i = (i + STRIDE) & slotMask;
        }
        ageCursor = i;
        return removed;
    }

    /** Occupied slots: live entries plus dead ones not yet reclaimed. This is what the capacity limit counts. */
    public int size() {
        return size;
    }

    /** Entries of removed ports not yet reclaimed by {@link #ageOut}. */
    public int staleEntries() {
        return staleEntries;
    }

    /** Entries (live or expired, not stale) held by a port; what the per-port limit counts. */
    public int portEntries(int portIndex) {
        checkPort(portIndex);
        return portEntries[portIndex];
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int maxEntriesPerPort() {
        return maxEntriesPerPort;
    }

    public long ageingNs() {
        return ageingNs;
    }

    /** Changes the ageing time; 0 turns learning off and makes every learned entry miss. */
    public void setAgeingNs(long ageingNs) {
        if (ageingNs < 0) {
            throw new IllegalArgumentException("fdb ageingNs " + ageingNs + ": expected >= 0");
        }
        this.ageingNs = ageingNs;
    }

    public FdbCounters counters() {
        return counters;
    }

    /** Live entries, sorted by VLAN then MAC. Allocates: control plane only, never per frame. */
    public List<Entry> entries(long nowNs) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < slots.length; i += STRIDE) {
            long key = slots[i];
            if (key == EMPTY) {
                continue;
            }
            long meta = slots[i + META];
            int port = (int) (meta & PORT_MASK);
            boolean isStatic = (meta & STATIC_BIT) != 0;
            long ageNs = isStatic ? 0 : nowNs - slots[i + SEEN];
            if ((int) (meta >>> 32) == portGenerations[port] && (isStatic || ageNs < ageingNs)) {
                out.add(new Entry(vlanOf(key), macOf(key), port, isStatic, ageNs));
            }
        }
        out.sort(Comparator.comparingInt(Entry::vlan).thenComparingLong(Entry::mac));
        return out;
    }

    /** One live entry; ageNs is the time since its source was last seen (0 for static entries). */
    public record Entry(int vlan, long mac, int portIndex, boolean isStatic, long ageNs) {
    }

    private int home(long key) {
        return (int) ((key * HASH_MULTIPLIER) >>> hashShift) * STRIDE;
    }

    private int find(long key) {
        int i = home(key);
        for (;;) {
            long k = slots[i];
            if (k == key) {
                return i;
            }
            if (k == EMPTY) {
                return -1;
            }
            i = (i + STRIDE) & slotMask;
        }
    }

    /** The slot where key, known to be absent, goes. */
    private int emptySlotFor(long key) {
        int i = home(key);
        while (slots[i] != EMPTY) {
            i = (i + STRIDE) & slotMask;
        }
        return i;
    }

    private long meta(int port, boolean isStatic) {
        return ((long) portGenerations[port] << 32) | (isStatic ? STATIC_BIT : 0) | port;
    }

    /** Empties slot i, then shifts later entries of its probe run back so no lookup hits a gap (no tombstones). */
    private void removeAt(int i) {
        long meta = slots[i + META];
        int owner = (int) (meta & PORT_MASK);
        if ((int) (meta >>> 32) == portGenerations[owner]) {
            portEntries[owner]--;
        } else {
            staleEntries--;
        }
        size--;
        int hole = i;
        int j = i;
        for (;;) {
            j = (j + STRIDE) & slotMask;
            long k = slots[j];
            if (k == EMPTY) {
                break;
            }
            // The entry at j may fill the hole when the hole lies on its probe path, home(k) .. j.
            if (((j - home(k)) & slotMask) >= ((j - hole) & slotMask)) {
                slots[hole] = k;
                slots[hole + META] = slots[j + META];
                slots[hole + SEEN] = slots[j + SEEN];
                hole = j;
            }
        }
        slots[hole] = EMPTY;
        slots[hole + META] = 0;
        slots[hole + SEEN] = 0;
    }

    private void checkPort(int portIndex) {
        if (portIndex < 0 || portIndex >= portEntries.length) {
            throw new IllegalArgumentException(
                    "port index " + portIndex + ": expected 0 to " + (portEntries.length - 1));
        }
    }
}
