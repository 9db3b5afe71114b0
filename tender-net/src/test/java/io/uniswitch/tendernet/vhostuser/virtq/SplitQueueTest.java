package io.uniswitch.tendernet.vhostuser.virtq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tendernet.vhostuser.memory.GuestMemory;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The split virtqueue against a driver played by this test in a block of memory laid out as a guest would: chains
 * in order, indirect tables, used entries and notification suppression, and malformed rings of every kind, including
 * random descriptor tables (a property: whatever the guest writes, pop terminates, never throws, and every segment
 * it returns lies inside the guest's memory). jqwik prints the seed of a failing try.
 */
class SplitQueueTest {
    private static final long GPA = 0x1_0000_0000L;
    private static final long UVA = 0x7f00_0000_0000L;
    private static final int MEM = 1 << 20;
    private static final int DESC = 0;
    private static final int AVAIL = 0x10000;
    private static final int USED = 0x20000;
    private static final int DATA = 0x40000;

    private final ByteBuf mem = Unpooled.directBuffer(MEM, MEM);
    private final GuestMemory memory = GuestMemory.over(
            List.of(new GuestMemory.Region(GPA, MEM, UVA, 0)), new long[] {mem.memoryAddress()});
    private final Chain chain = new Chain();

    SplitQueueTest() {
        mem.setZero(0, MEM);
    }

    @AfterEach
    void release() {
        mem.release();
    }

    private SplitQueue queue(int size, boolean eventIdx, boolean indirect) {
        return SplitQueue.setUp(memory, size, UVA + DESC, UVA + AVAIL, UVA + USED, eventIdx, indirect, 0);
    }

    private void desc(int table, int i, long gpa, int len, int flags, int next) {
        int at = table + 16 * i;
        mem.setLongLE(at, gpa);
        mem.setIntLE(at + 8, len);
        mem.setShortLE(at + 12, flags);
        mem.setShortLE(at + 14, next);
    }

    /** The driver makes head available at avail slot idx and publishes idx + 1. */
    private void offer(int size, int idx, int head) {
        mem.setShortLE(AVAIL + 4 + 2 * (idx % size), head);
        mem.setShortLE(AVAIL + 2, idx + 1);
    }

    private boolean inside(long host, int len) {
        return host >= mem.memoryAddress() && host + len <= mem.memoryAddress() + MEM;
    }

    @Test
    void chainsComeInOrderWithReadableThenWritableSegments() {
        SplitQueue q = queue(8, false, false);
        assertEquals(SplitQueue.EMPTY, q.pop(chain));
        // Chain 3 -> 5: a 12-byte header and 1500 bytes of data (TX); chain 0: one writable buffer (RX).
        desc(DESC, 3, GPA + DATA, 12, SplitQueue.DESC_F_NEXT, 5);
        desc(DESC, 5, GPA + DATA + 0x100, 1500, 0, 0);
        desc(DESC, 0, GPA + DATA + 0x1000, 2048, SplitQueue.DESC_F_WRITE, 0);
        offer(8, 0, 3);
        offer(8, 1, 0);
        assertEquals(2, q.available());
        assertEquals(3, q.pop(chain));
        assertEquals(2, chain.segments());
        assertEquals(2, chain.readableSegments());
        assertEquals(1512, chain.readableBytes());
        assertEquals(mem.memoryAddress() + DATA, chain.address(0));
        assertEquals(0, q.pop(chain));
        assertEquals(0, chain.readableSegments());
        assertEquals(2048, chain.writableBytes());
        assertEquals(SplitQueue.EMPTY, q.pop(chain));
        assertEquals(2, q.lastAvailIndex());
    }

    @Test
    void indirectTablesAreFollowedOnlyWhenNegotiated() {
        int table = DATA + 0x8000;
        desc(table, 0, GPA + DATA, 12, SplitQueue.DESC_F_NEXT, 1);
        desc(table, 1, GPA + DATA + 64, 60, 0, 0);
        desc(DESC, 2, GPA + table, 32, SplitQueue.DESC_F_INDIRECT, 0);
        offer(4, 0, 2);
        SplitQueue q = queue(4, false, true);
        assertEquals(2, q.pop(chain));
        assertEquals(72, chain.readableBytes());
        SplitQueue without = queue(4, false, false);
        assertEquals(SplitQueue.BAD_INDIRECT, without.pop(chain));
        assertTrue(without.isBroken());
        assertEquals(SplitQueue.BROKEN, without.pop(chain), "a broken queue serves nothing until set up again");
    }

    @Test
    void malformedChainsAreErrorsNotCrashes() {
        // A loop: 0 -> 1 -> 0.
        desc(DESC, 0, GPA + DATA, 10, SplitQueue.DESC_F_NEXT, 1);
        desc(DESC, 1, GPA + DATA, 10, SplitQueue.DESC_F_NEXT, 0);
        offer(4, 0, 0);
        assertEquals(SplitQueue.LOOP, queue(4, false, false).pop(chain));
        // next out of range.
        desc(DESC, 1, GPA + DATA, 10, SplitQueue.DESC_F_NEXT, 9);
        assertEquals(SplitQueue.BAD_INDEX, queue(4, false, false).pop(chain));
        // A buffer past the end of guest memory, and one that wraps around 2^64.
        desc(DESC, 0, GPA + MEM - 8, 16, 0, 0);
        assertEquals(SplitQueue.BAD_ADDRESS, queue(4, false, false).pop(chain));
        desc(DESC, 0, -8L, 16, 0, 0);
        assertEquals(SplitQueue.BAD_ADDRESS, queue(4, false, false).pop(chain));
        // Readable after writable.
        desc(DESC, 0, GPA + DATA, 10, SplitQueue.DESC_F_WRITE | SplitQueue.DESC_F_NEXT, 1);
        desc(DESC, 1, GPA + DATA, 10, 0, 0);
        assertEquals(SplitQueue.BAD_ORDER, queue(4, false, false).pop(chain));
        // A head index beyond the queue, and an avail index that runs more than a queue ahead.
        offer(4, 0, 7);
        assertEquals(SplitQueue.BAD_INDEX, queue(4, false, false).pop(chain));
        mem.setShortLE(AVAIL + 2, 9);
        assertEquals(SplitQueue.BAD_AVAIL_INDEX, queue(4, false, false).pop(chain));
        // An indirect descriptor chained on, and one whose table is not whole descriptors.
        mem.setShortLE(AVAIL + 2, 1);
        offer(4, 0, 0);
        desc(DESC, 0, GPA + DATA, 32, SplitQueue.DESC_F_INDIRECT | SplitQueue.DESC_F_NEXT, 1);
        assertEquals(SplitQueue.BAD_INDIRECT, queue(4, false, true).pop(chain));
        desc(DESC, 0, GPA + DATA, 20, SplitQueue.DESC_F_INDIRECT, 0);
        assertEquals(SplitQueue.BAD_INDIRECT, queue(4, false, true).pop(chain));
    }

    @Test
    void ringsOutsideTheSharedMemoryOrOfABadSizeAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.setUp(memory, 6, UVA, UVA + AVAIL, UVA + USED, false, false, 0));
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.setUp(memory, 256, UVA + MEM - 1024, UVA + AVAIL, UVA + USED, false, false, 0));
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.setUp(memory, 256, GPA, UVA + AVAIL, UVA + USED, false, false, 0),
                "ring addresses are the front-end's virtual addresses, not guest-physical ones");
    }

    @Test
    void usedEntriesAndInterruptSuppression() {
        SplitQueue q = queue(8, false, false);
        q.addUsed(3, 1514);
        q.addUsed(0, 60);
        assertEquals(0, mem.getShortLE(USED + 2), "not visible before publish");
        q.publishUsed();
        assertEquals(2, mem.getShortLE(USED + 2));
        assertEquals(3, mem.getIntLE(USED + 4));
        assertEquals(1514, mem.getIntLE(USED + 8));
        assertEquals(60, mem.getIntLE(USED + 16));
        assertTrue(q.needsNotify());
        assertFalse(q.needsNotify(), "nothing new since the last notification");
        mem.setShortLE(AVAIL, SplitQueue.AVAIL_F_NO_INTERRUPT);
        q.addUsed(1, 1);
        q.publishUsed();
        assertFalse(q.needsNotify(), "the driver asked for no interrupts");

        // EVENT_IDX: notify only when used->idx passes the driver's used_event.
        SplitQueue e = queue(8, true, false);
        mem.setShortLE(AVAIL + 4 + 2 * 8, 1);
        e.addUsed(0, 1);
        e.publishUsed();
        assertFalse(e.needsNotify(), "used idx 1 has not passed used_event 1");
        e.addUsed(1, 1);
        e.publishUsed();
        assertTrue(e.needsNotify(), "used idx 2 passed used_event 1");
        e.setKicksWanted(true);
        assertEquals(0, mem.getShortLE(USED + 4 + 8 * 8), "avail_event: kick me at the next index");
    }

    @Property(tries = 400)
    void randomDescriptorTablesNeverEscapeTheGuestMemory(@ForAll long seed, @ForAll @IntRange(min = 0, max = 6)
            int sizeLog, @ForAll boolean indirect) {
        Random rnd = new Random(seed);
        int size = 1 << sizeLog;
        // Descriptors mostly in range, sometimes wildly out; flags and next at random.
        for (int i = 0; i < size + 16; i++) {
            long gpa = rnd.nextInt(4) == 0 ? rnd.nextLong() : GPA + rnd.nextInt(MEM + 4096) - 2048;
            int len = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(4096);
            desc(DESC, i, gpa, len, rnd.nextInt(8), rnd.nextInt(3) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size + 2));
        }
        // An indirect table in guest memory too.
        int table = DATA;
        for (int i = 0; i < 64; i++) {
            desc(table, i, GPA + rnd.nextInt(MEM), rnd.nextInt(2048), rnd.nextInt(8), rnd.nextInt(70));
        }
        for (int i = 0; i < size; i++) {
            mem.setShortLE(AVAIL + 4 + 2 * i, rnd.nextInt(4) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size));
        }
        mem.setShortLE(AVAIL + 2, rnd.nextInt(size + 1));
        SplitQueue q = queue(size, rnd.nextBoolean(), indirect);
        for (int n = 0; n < size + 1; n++) {
            int r = q.pop(chain);
            if (r < 0) {
                break;
            }
            assertTrue(r < size);
            for (int s = 0; s < chain.segments(); s++) {
                assertTrue(inside(chain.address(s), chain.length(s)), "segment " + s + " escapes guest memory");
            }
        }
    }
}
