package io.uniswitch.tendernet.vhostuser.virtq;

import io.netty.util.internal.PlatformDependent;
import io.uniswitch.tendernet.vhostuser.memory.GuestMemory;
import java.lang.invoke.VarHandle;

/**
 * The device side of a split virtqueue (virtio 1.x, 2.7) in a guest's shared memory: takes descriptor chains the
 * driver made available, returns them as used, and decides when the driver needs an interrupt.
 *
 * <p>Untrusted input: the driver (the guest) writes the rings while this reads them. Every descriptor index is
 * checked against the queue or indirect-table size, every buffer address and length is translated through
 * {@link GuestMemory} (a range outside the shared regions is an error), a chain longer than its table is a loop, and
 * indices and lengths are read once into locals so the guest cannot change them between check and use. A broken
 * chain makes {@link #pop} return an error code and marks the queue broken: it serves nothing more until it is set
 * up again (a device reset), and nothing outside the guest's regions is ever touched. Little-endian hosts only
 * (x86_64, aarch64), as virtio 1.x rings are little-endian.
 *
 * <p>Loop thread only, after {@link #setUp} on the control thread. No allocation per chain.
 */
public final class SplitQueue {
    public static final int MAX_SIZE = 32768;
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int USED_F_NO_NOTIFY = 1;
    static final int DESC_BYTES = 16;

    /** {@link #pop} results other than a chain. */
    public static final int EMPTY = -1;
    public static final int BAD_INDEX = -2;
    public static final int BAD_ADDRESS = -3;
    public static final int LOOP = -4;
    public static final int BAD_INDIRECT = -5;
    public static final int TOO_LONG = -6;
    public static final int BAD_ORDER = -7;
    public static final int BAD_AVAIL_INDEX = -8;
    public static final int BROKEN = -9;

    private final GuestMemory memory;
    private final int size;
    private final int mask;
    private final long desc;
    private final long avail;
    private final long used;
    private final boolean eventIdx;
    private final boolean indirect;
    private int lastAvail;
    private int usedIdx;
    /** usedIdx when the driver was last notified (event-idx suppression). */
    private int signalledUsed;
    private boolean broken;

    private SplitQueue(GuestMemory memory, int size, long desc, long avail, long used, boolean eventIdx,
            boolean indirect, int base) {
        this.memory = memory;
        this.size = size;
        this.mask = size - 1;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.eventIdx = eventIdx;
        this.indirect = indirect;
        this.lastAvail = base & 0xffff;
        this.usedIdx = base & 0xffff;
        this.signalledUsed = base & 0xffff;
    }

    /**
     * Checks and translates a queue's rings (front-end virtual addresses, as SET_VRING_ADDR gives them).
     *
     * @param base the index to start from (SET_VRING_BASE): the next available entry and the next used one
     * @throws IllegalArgumentException naming what is wrong: a size that is not a power of two up to 32768, or a ring
     *                                  outside the shared memory
     */
    public static SplitQueue setUp(GuestMemory memory, int size, long descUser, long availUser, long usedUser,
            boolean eventIdx, boolean indirect, int base) {
        if (size <= 0 || size > MAX_SIZE || (size & (size - 1)) != 0) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two from 1 to " + MAX_SIZE);
        }
        final long d = memory.translateUser(descUser, (long) DESC_BYTES * size);
        // avail: flags, idx, ring[size], used_event; used: flags, idx, ring[size] of 8 bytes, avail_event.
        final long a = memory.translateUser(availUser, 6L + 2L * size);
        final long u = memory.translateUser(usedUser, 6L + 8L * size);
        if (d == GuestMemory.INVALID || a == GuestMemory.INVALID || u == GuestMemory.INVALID) {
            throw new IllegalArgumentException("queue rings (desc 0x" + Long.toHexString(descUser) + ", avail 0x"
                    + Long.toHexString(availUser) + ", used 0x" + Long.toHexString(usedUser) + ", size " + size
                    + ") are not inside the shared memory");
        }
        if ((d & 15) != 0 || (a & 1) != 0 || (u & 3) != 0) {
            throw new IllegalArgumentException("queue rings are misaligned (desc 16, avail 2, used 4 bytes)");
        }
        return new SplitQueue(memory, size, d, a, u, eventIdx, indirect, base);
    }

    public int size() {
        return size;
    }

    public boolean isBroken() {
        return broken;
    }

    /** The next available index to read: what GET_VRING_BASE reports. */
    public int lastAvailIndex() {
        return lastAvail;
    }

    /** Chains the driver made available and this has not taken yet; {@link #BAD_AVAIL_INDEX} if impossible. */
    public int available() {
        final int idx = PlatformDependent.getShort(avail + 2) & 0xffff;
        // The ring entries written before idx must be seen once idx is.
        VarHandle.acquireFence();
        final int n = (idx - lastAvail) & 0xffff;
        return n > size ? BAD_AVAIL_INDEX : n;
    }

    /**
     * Takes the next available chain into {@code chain}.
     *
     * @return the chain's head index, {@link #EMPTY}, or a negative error (the queue is then broken)
     */
    public int pop(Chain chain) {
        if (broken) {
            return BROKEN;
        }
        final int available = available();
        if (available == 0) {
            return EMPTY;
        }
        if (available < 0) {
            return fail(available);
        }
        final int head = PlatformDependent.getShort(avail + 4 + 2L * (lastAvail & mask)) & 0xffff;
        if (head >= size) {
            return fail(BAD_INDEX);
        }
        final int r = walk(chain, head);
        if (r < 0) {
            return fail(r);
        }
        lastAvail = (lastAvail + 1) & 0xffff;
        return head;
    }

    /**
     * Gives back the last {@code n} chains taken and not yet added as used (a frame that needed more receive buffers
     * than the driver had made available waits for more, rather than being split over a later chain).
     */
    public void rewind(int n) {
        lastAvail = (lastAvail - n) & 0xffff;
    }

    private int fail(int code) {
        broken = true;
        return code;
    }

    private int walk(Chain c, int head) {
        c.reset();
        c.head = head;
        long table = desc;
        int tableSize = size;
        boolean inIndirect = false;
        int i = head;
        int visited = 0;
        boolean sawWritable = false;
        while (true) {
            if (visited++ >= tableSize) {
                return LOOP;
            }
            final long d = table + (long) DESC_BYTES * i;
            final long addr = PlatformDependent.getLong(d);
            final long len = PlatformDependent.getInt(d + 8) & 0xffffffffL;
            final int flags = PlatformDependent.getShort(d + 12) & 0xffff;
            final int next = PlatformDependent.getShort(d + 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect || inIndirect || (flags & DESC_F_NEXT) != 0 || len == 0 || len % DESC_BYTES != 0
                        || len / DESC_BYTES > MAX_SIZE) {
                    return BAD_INDIRECT;
                }
                final long t = memory.translate(addr, len);
                if (t == GuestMemory.INVALID) {
                    return BAD_ADDRESS;
                }
                table = t;
                tableSize = (int) (len / DESC_BYTES);
                inIndirect = true;
                visited = 0;
                i = 0;
                continue;
            }
            final boolean writable = (flags & DESC_F_WRITE) != 0;
            if (!writable && sawWritable) {
                return BAD_ORDER;
            }
            if (len > 0) {
                final long host = memory.translate(addr, len);
                if (host == GuestMemory.INVALID) {
                    return BAD_ADDRESS;
                }
                if (c.segments == Chain.MAX_SEGMENTS) {
                    return TOO_LONG;
                }
                c.addresses[c.segments] = host;
                c.lengths[c.segments] = (int) Math.min(len, Integer.MAX_VALUE);
                c.segments++;
                if (writable) {
                    sawWritable = true;
                    c.writableBytes += len;
                } else {
                    c.readableSegments++;
                    c.readableBytes += len;
                }
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return head;
            }
            if (next >= tableSize) {
                return BAD_INDEX;
            }
            i = next;
        }
    }

    /** Puts a finished chain in the used ring (not yet visible to the driver: see {@link #publishUsed}). */
    public void addUsed(int head, int writtenBytes) {
        final long e = used + 4 + 8L * (usedIdx & mask);
        PlatformDependent.putInt(e, head);
        PlatformDependent.putInt(e + 4, writtenBytes);
        usedIdx = (usedIdx + 1) & 0xffff;
    }

    /** Makes the used entries added so far visible to the driver (used->idx, after a release fence). */
    public void publishUsed() {
        VarHandle.releaseFence();
        PlatformDependent.putShort(used + 2, (short) usedIdx);
    }

    /**
     * Whether the driver wants an interrupt for what was published since the last notification: with EVENT_IDX,
     * when used->idx passed the driver's used_event; without, unless it set VRING_AVAIL_F_NO_INTERRUPT. Call after
     * {@link #publishUsed}; when it returns true, signal the call eventfd.
     */
    public boolean needsNotify() {
        // The driver's used_event / flags must be read after our used->idx store is visible.
        VarHandle.fullFence();
        final int old = signalledUsed;
        final int now = usedIdx;
        if (old == now) {
            return false;
        }
        final boolean notify;
        if (eventIdx) {
            final int usedEvent = PlatformDependent.getShort(avail + 4 + 2L * size) & 0xffff;
            notify = ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
        } else {
            notify = (PlatformDependent.getShort(avail) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        signalledUsed = now;
        return notify;
    }

    /**
     * Asks the driver to kick (or not) when it adds chains: with EVENT_IDX by writing avail_event (kick once past
     * the next index), without it through VRING_USED_F_NO_NOTIFY. The loop turns kicks off while it polls a busy
     * queue and on before it sleeps, then checks {@link #available()} once more to close the race.
     */
    public void setKicksWanted(boolean wanted) {
        if (eventIdx) {
            if (wanted) {
                PlatformDependent.putShort(used + 4 + 8L * size, (short) lastAvail);
            }
        } else {
            PlatformDependent.putShort(used, (short) (wanted ? 0 : USED_F_NO_NOTIFY));
        }
        VarHandle.fullFence();
    }
}
