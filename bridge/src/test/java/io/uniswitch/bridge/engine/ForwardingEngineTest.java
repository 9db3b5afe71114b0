package io.uniswitch.bridge.engine;

import static io.uniswitch.bridge.engine.EngineFixture.T0;
import static io.uniswitch.bridge.engine.EngineFixture.take;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.frame.TestFrames;
import io.uniswitch.bridge.port.MemoryPort;
import io.uniswitch.bridge.port.Port;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ForwardingEngineTest {
    private static final long A = 0x0200_0000_000AL;
    private static final long B = 0x0200_0000_000BL;
    private static final long C = 0x0200_0000_000CL;
    private static final long AGEING_NS = EngineConfig.DEFAULT_AGEING_NS;

    private EngineFixture fx = new EngineFixture();

    @AfterEach
    void noLeaks() {
        fx.close();
    }

    private MemoryPort[] attach(int n) {
        MemoryPort[] p = new MemoryPort[n];
        for (int i = 0; i < n; i++) {
            p[i] = fx.attach("p" + i);
        }
        return p;
    }

    private long drops(DropReason r) {
        return fx.engine.counters().dropCount(r);
    }

    @Test
    void unknownUnicastFloodsThenLearnedDestinationsGoToOnePort() {
        MemoryPort[] p = attach(4);
        fx.send(p[0], B, A);
        assertEquals(List.of(), take(p[0]));
        for (int i = 1; i < 4; i++) {
            assertEquals(List.of(Long.toHexString(B) + ">" + Long.toHexString(A)), take(p[i]));
        }
        fx.send(p[1], A, B);
        assertArrayEquals(new int[] {1, 0, 0, 0}, fx.takeCounts());
        fx.send(p[0], B, A);
        assertArrayEquals(new int[] {0, 1, 0, 0}, fx.takeCounts());
        SwitchCounters c = fx.engine.counters();
        assertEquals(1, c.floodedFrames());
        assertEquals(2, c.unicastFrames());
        assertEquals(2, c.fdbLearned());
        assertEquals(0, c.totalDrops());
        assertEquals(3, p[0].counters().txFrames + p[2].counters().txFrames + p[3].counters().txFrames);
    }

    @Test
    void broadcastAndMulticastFloodTheSameBufferWithoutCopies() {
        MemoryPort[] p = attach(3);
        fx.send(p[1], B, C);
        fx.takeCounts();
        ByteBuf f = fx.frames.ethernet(Frames.BROADCAST, A, 100);
        fx.send(p[0], f);
        assertSame(f, p[1].sent().get(0));
        assertSame(f, p[2].sent().get(0));
        assertEquals(2, f.refCnt());
        assertEquals(TestFrames.HEADROOM_BYTES, f.readerIndex());
        fx.takeCounts();
        assertEquals(0, f.refCnt());
        fx.send(p[0], 0x0100_5E00_0001L, A);
        fx.send(p[0], 0x3333_0000_0001L, A);
        assertArrayEquals(new int[] {0, 2, 2}, fx.takeCounts());
        assertEquals(4, fx.engine.counters().floodedFrames());
    }

    @Test
    void floodSkipsDownPortsAndASwitchOfOneDropsNothing() {
        MemoryPort[] p = attach(3);
        p[2].setUp(false);
        fx.send(p[0], Frames.BROADCAST, A);
        assertArrayEquals(new int[] {0, 1, 0}, fx.takeCounts());
        p[1].setUp(false);
        fx.send(p[0], Frames.BROADCAST, A);
        assertArrayEquals(new int[] {0, 0, 0}, fx.takeCounts());
        assertEquals(0, fx.engine.counters().totalDrops());
        assertEquals(2, fx.engine.counters().floodedFrames());
    }

    @Test
    void neverSendsBackOutOfTheIngressPort() {
        MemoryPort[] p = attach(3);
        fx.send(p[0], Frames.BROADCAST, A);
        fx.takeCounts();
        fx.send(p[0], A, C);
        assertArrayEquals(new int[] {0, 0, 0}, fx.takeCounts());
        assertEquals(1, drops(DropReason.SAME_PORT));
        assertEquals(1, p[0].counters().dropCount(DropReason.SAME_PORT));
    }

    @Test
    void linkLocalGroupAddressesAreNeverForwardedButTheirSourceIsLearned() {
        MemoryPort[] p = attach(3);
        for (long low = 0; low <= 0xF; low++) {
            fx.send(p[0], 0x0180_C200_0000L | low, A);
        }
        assertArrayEquals(new int[] {0, 0, 0}, fx.takeCounts());
        assertEquals(16, drops(DropReason.LINK_LOCAL));
        fx.send(p[0], 0x0180_C200_0010L, A);
        assertArrayEquals(new int[] {0, 1, 1}, fx.takeCounts());
        assertEquals(0, fx.engine.fdb().lookup(Fdb.key(0, A), fx.nowNs));
    }

    @Test
    void runtsAreDropped() {
        MemoryPort[] p = attach(2);
        for (int len = 0; len < Frames.HEADER_BYTES; len++) {
            fx.send(p[0], fx.frames.raw(new byte[len]));
        }
        fx.send(p[0], fx.frames.raw(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1, 8, 0}));
        assertEquals(14, drops(DropReason.RUNT));
        assertArrayEquals(new int[] {0, 1}, fx.takeCounts());
    }

    @Test
    void invalidSourceMacsAreDroppedAndNotLearned() {
        MemoryPort[] p = attach(2);
        fx.send(p[0], B, 0);
        fx.send(p[0], B, Frames.BROADCAST);
        fx.send(p[0], B, 0x0100_5E00_0001L);
        assertEquals(3, drops(DropReason.INVALID_SRC_MAC));
        assertEquals(0, fx.engine.fdb().size());
        assertArrayEquals(new int[] {0, 0}, fx.takeCounts());
    }

    @Test
    void framesLargerThanTheEgressMtuAreDroppedThere() {
        fx.attach(new MemoryPort("p0", 9000, 64));
        MemoryPort small = fx.attach(new MemoryPort("p1", 1500, 64));
        MemoryPort jumbo = fx.attach(new MemoryPort("p2", 9000, 64));
        MemoryPort in = fx.ports.get(0);
        fx.send(small, Frames.BROADCAST, B);
        fx.send(jumbo, Frames.BROADCAST, C);
        fx.takeCounts();
        fx.send(in, B, A, 1500);
        fx.send(in, fx.frames.tagged(B, A, 7, 1500));
        assertEquals(2, small.releaseSent());
        fx.send(in, B, A, 1501);
        fx.send(in, fx.frames.tagged(B, A, 7, 1501));
        assertEquals(0, small.releaseSent());
        assertEquals(2, small.counters().dropCount(DropReason.EGRESS_MTU));
        fx.send(in, C, A, 9000);
        assertEquals(1, jumbo.releaseSent());
        fx.send(in, C, A, 9001);
        assertEquals(0, jumbo.releaseSent());
        // A flood reaches the ports whose MTU fits and counts a drop on each other one.
        fx.send(in, Frames.BROADCAST, A, 4000);
        assertArrayEquals(new int[] {0, 0, 1}, fx.takeCounts());
        fx.send(in, Frames.BROADCAST, A, 9001);
        assertArrayEquals(new int[] {0, 0, 0}, fx.takeCounts());
        assertEquals(4, small.counters().dropCount(DropReason.EGRESS_MTU));
        assertEquals(2, jumbo.counters().dropCount(DropReason.EGRESS_MTU));
        assertEquals(6, drops(DropReason.EGRESS_MTU));
    }

    @Test
    void fullEgressQueueDropsAndCountsTxQueueFull() {
        MemoryPort in = fx.attach("p0");
        MemoryPort out = fx.attach(new MemoryPort("p1", 1500, 4));
        out.setTxCapacity(0);
        fx.send(out, Frames.BROADCAST, B);
        assertEquals(0, drops(DropReason.TX_QUEUE_FULL));
        ByteBuf[] batch = new ByteBuf[FrameBatch.MAX];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = fx.frames.ethernet(B, A, 46);
        }
        fx.send(in, batch);
        assertEquals(FrameBatch.MAX - 4, out.counters().dropCount(DropReason.TX_QUEUE_FULL));
        assertEquals(FrameBatch.MAX - 4, drops(DropReason.TX_QUEUE_FULL));
        assertTrue(out.hasPendingTx());
        out.setTxCapacity(Integer.MAX_VALUE);
        assertEquals(4, out.flush());
    }

    @Test
    void portDownDropsUnicastToItAndEverythingFromIt() {
        MemoryPort[] p = attach(3);
        fx.send(p[1], Frames.BROADCAST, B);
        fx.takeCounts();
        p[1].setUp(false);
        fx.send(p[0], B, A);
        assertEquals(1, p[1].counters().dropCount(DropReason.PORT_DOWN));
        fx.send(p[1], fx.frames.ethernet(A, B, 46), fx.frames.ethernet(A, B, 46));
        assertEquals(3, p[1].counters().dropCount(DropReason.PORT_DOWN));
        assertEquals(3, drops(DropReason.PORT_DOWN));
        assertArrayEquals(new int[] {0, 0, 0}, fx.takeCounts());
    }

    @Test
    void batchFromADetachedPortIsDroppedAsPortDown() {
        MemoryPort[] p = attach(2);
        fx.engine.detach(p[1].index());
        fx.send(p[1], Frames.BROADCAST, B);
        assertEquals(1, p[1].counters().dropCount(DropReason.PORT_DOWN));
        assertEquals(0, drops(DropReason.PORT_DOWN));
        assertArrayEquals(new int[] {0, 0}, fx.takeCounts());
    }

    @Test
    void deviceWriteErrorsAreCountedAsTxError() {
        MemoryPort[] p = attach(2);
        p[1].failNextWrites(1);
        fx.send(p[0], Frames.BROADCAST, A);
        fx.send(p[0], Frames.BROADCAST, A);
        assertEquals(1, drops(DropReason.TX_ERROR));
        assertArrayEquals(new int[] {0, 1}, fx.takeCounts());
    }

    @Test
    void dropsCountedInsidePortsReachSwitchTotalsWhileAttached() {
        MemoryPort[] p = attach(2);
        p[0].counters().drop(DropReason.FRAME_TOO_LARGE);
        assertEquals(1, drops(DropReason.FRAME_TOO_LARGE));
        fx.engine.detach(p[0].index());
        p[0].counters().drop(DropReason.FRAME_TOO_LARGE);
        assertEquals(1, drops(DropReason.FRAME_TOO_LARGE));
        assertEquals(2, p[0].counters().dropCount(DropReason.FRAME_TOO_LARGE));
    }

    @Test
    void learnedHostExpiresExactlyAfterAgeing() {
        MemoryPort[] p = attach(3);
        fx.send(p[1], Frames.BROADCAST, B);
        fx.takeCounts();
        fx.nowNs = T0 + AGEING_NS - 1;
        fx.send(p[0], B, A);
        assertArrayEquals(new int[] {0, 1, 0}, fx.takeCounts());
        fx.nowNs = T0 + AGEING_NS;
        fx.send(p[2], B, C);
        assertArrayEquals(new int[] {1, 1, 0}, fx.takeCounts());
        assertEquals(1, fx.engine.ageOut(10));
        assertEquals(1, fx.engine.counters().fdbAged());
    }

    @Test
    void ageOutIsBoundedPerCall() {
        MemoryPort[] p = attach(2);
        for (int i = 0; i < 100; i++) {
            fx.send(p[0], Frames.BROADCAST, A + 0x100 * i);
        }
        fx.takeCounts();
        fx.nowNs += AGEING_NS;
        assertEquals(100, fx.engine.fdb().size());
        assertEquals(16, fx.engine.ageOut(16));
        assertEquals(84, fx.engine.fdb().size());
        int total = 16;
        int removed;
        while ((removed = fx.engine.ageOut(16)) > 0) {
            assertTrue(removed <= 16);
            total += removed;
        }
        assertEquals(100, total);
        assertEquals(100, fx.engine.counters().fdbAged());
    }

    @Test
    void ageingZeroLearnsNothingAndFloodsEverything() {
        fx.close();
        fx = new EngineFixture(EngineConfig.defaults().withAgeingNs(0));
        MemoryPort[] p = attach(3);
        fx.send(p[1], A, B);
        fx.send(p[0], B, A);
        fx.send(p[1], A, B);
        assertArrayEquals(new int[] {2, 1, 3}, fx.takeCounts());
        assertEquals(0, fx.engine.fdb().size());
        assertEquals(0, fx.engine.counters().fdbLearned());
        fx.engine.fdb().addStatic(0, B, p[1].index());
        fx.send(p[0], B, A);
        assertArrayEquals(new int[] {0, 1, 0}, fx.takeCounts());
    }

    @Test
    void hostMovingToAnotherPortIsCountedAndFollowed() {
        MemoryPort[] p = attach(3);
        fx.send(p[0], Frames.BROADCAST, A);
        fx.send(p[1], Frames.BROADCAST, A);
        fx.takeCounts();
        assertEquals(1, fx.engine.counters().fdbMoved());
        fx.send(p[2], A, C);
        assertArrayEquals(new int[] {0, 1, 0}, fx.takeCounts());
    }

    @Test
    void staticEntryIsNotMovedByLearningButTheFrameIsForwarded() {
        MemoryPort[] p = attach(3);
        fx.engine.fdb().addStatic(0, A, p[2].index());
        fx.send(p[0], B, A);
        assertArrayEquals(new int[] {0, 1, 1}, fx.takeCounts());
        assertEquals(1, fx.engine.counters().fdbStaticMoveRefused());
        assertEquals(0, fx.engine.counters().totalDrops());
        fx.nowNs += 10 * AGEING_NS;
        fx.send(p[1], A, B);
        assertArrayEquals(new int[] {0, 0, 1}, fx.takeCounts());
    }

    @Test
    void detachedPortsEntriesMissAndItsIndexIsReused() {
        MemoryPort[] p = attach(3);
        fx.send(p[1], Frames.BROADCAST, B);
        fx.takeCounts();
        p[1].transmit(fx.frames.ethernet(B, A, 46));
        int index = p[1].index();
        fx.engine.detach(index);
        assertEquals(Port.UNATTACHED, p[1].index());
        assertNull(fx.engine.port(index));
        assertEquals(2, fx.engine.portCount());
        assertTrue(p[1].hasPendingTx(), "detach releases nothing the port owns");
        fx.send(p[0], B, A);
        assertArrayEquals(new int[] {0, 0, 1}, fx.takeCounts());
        MemoryPort q = fx.attach("q");
        assertEquals(index, q.index());
        assertSame(q, fx.engine.port(index));
        fx.send(p[0], B, A);
        assertEquals(1, q.releaseSent());
        assertEquals(1, p[2].releaseSent());
        assertEquals(1, fx.engine.fdb().staleEntries());
        fx.engine.ageOut(100);
        assertEquals(0, fx.engine.fdb().staleEntries());
    }

    @Test
    void attachAndDetachRejectMistakes() {
        fx.close();
        fx = new EngineFixture(EngineConfig.defaults().withMaxPorts(2));
        MemoryPort[] p = attach(2);
        assertThrows(IllegalArgumentException.class, () -> fx.engine.attach(p[0]));
        MemoryPort extra = new MemoryPort("extra");
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> fx.engine.attach(extra));
        assertTrue(full.getMessage().contains("maxPorts"), full.getMessage());
        extra.close();
        fx.engine.detach(0);
        MemoryPort sameName = new MemoryPort("p1");
        assertThrows(IllegalArgumentException.class, () -> fx.engine.attach(sameName));
        sameName.close();
        assertThrows(IllegalArgumentException.class, () -> fx.engine.detach(0));
        assertThrows(IllegalArgumentException.class, () -> fx.engine.detach(99));
        assertEquals(1, fx.engine.ports().length);
        assertSame(p[1], fx.engine.ports()[0]);
    }

    @Test
    void pollOnceReceivesAtMostOneBatch() {
        MemoryPort[] p = attach(2);
        for (int i = 0; i < 100; i++) {
            p[0].inject(fx.frames.ethernet(B, A, 46));
        }
        FrameBatch scratch = new FrameBatch();
        assertEquals(64, fx.engine.pollOnce(p[0], scratch));
        assertEquals(0, scratch.size());
        assertEquals(36, fx.engine.pollOnce(p[0], scratch));
        assertEquals(0, fx.engine.pollOnce(p[0], scratch));
        assertArrayEquals(new int[] {0, 100}, fx.takeCounts());
        assertEquals(100, p[0].counters().rxFrames);
        assertEquals(100, p[1].counters().txFrames);
    }

    @Test
    void oneClockReadAndOneFlushPerBatch() {
        MemoryPort[] p = attach(3);
        fx.send(p[1], Frames.BROADCAST, B);
        fx.takeCounts();
        int reads = fx.clockReads;
        ByteBuf[] batch = new ByteBuf[FrameBatch.MAX];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = i % 2 == 0 ? fx.frames.ethernet(B, A, 46) : fx.frames.ethernet(Frames.BROADCAST, A, 46);
        }
        fx.send(p[0], batch);
        assertEquals(reads + 1, fx.clockReads);
        assertEquals(64, p[1].sentCount(), "flushed by forward, no flush call needed");
        assertArrayEquals(new int[] {0, 64, 32}, fx.takeCounts());
    }

    @Test
    void taggedFramesAreForwardedAsTheyAreAndLearnedOnVlanZero() {
        MemoryPort[] p = attach(2);
        ByteBuf f = fx.frames.tagged(B, A, 42, 100);
        byte[] bytes = ByteBufUtil.getBytes(f);
        fx.send(p[0], f);
        assertArrayEquals(bytes, ByteBufUtil.getBytes(p[1].sent().get(0)));
        assertEquals(p[0].index(), fx.engine.fdb().lookup(Fdb.key(0, A), fx.nowNs));
        fx.takeCounts();
    }

    @Test
    void classifyOrderWithinABatchSeesSourcesLearnedEarlierInIt() {
        MemoryPort[] p = attach(3);
        fx.send(p[0], fx.frames.ethernet(Frames.BROADCAST, A, 46), fx.frames.ethernet(A, C, 46));
        assertEquals(1, drops(DropReason.SAME_PORT));
        assertArrayEquals(new int[] {0, 1, 1}, fx.takeCounts());
    }

    @Test
    void aPinnedPortDropsAndCountsForeignSourcesBeforeLearningThem() {
        MemoryPort[] p = attach(3);
        p[0].setPinnedSrcMac(A);
        fx.send(p[0], fx.frames.ethernet(Frames.BROADCAST, A, 46), fx.frames.ethernet(Frames.BROADCAST, C, 46),
                fx.frames.ethernet(B, C, 46), fx.frames.ethernet(Frames.BROADCAST, A, 46));
        assertArrayEquals(new int[] {0, 2, 2}, fx.takeCounts(), "only the pinned source's frames pass");
        assertEquals(2, drops(DropReason.SPOOFED_SRC_MAC));
        assertEquals(2, p[0].counters().dropCount(DropReason.SPOOFED_SRC_MAC));
        assertEquals(p[0].index(), fx.engine.fdb().lookup(Fdb.key(0, A), fx.nowNs));
        assertEquals(Fdb.NO_PORT, fx.engine.fdb().lookup(Fdb.key(0, C), fx.nowNs), "a spoofed source is never learned");

        // The legitimate flow both ways, and other ports are not pinned.
        fx.send(p[1], A, B);
        fx.send(p[0], B, A);
        fx.send(p[2], A, C);
        assertArrayEquals(new int[] {2, 1, 0}, fx.takeCounts());
        assertEquals(2, drops(DropReason.SPOOFED_SRC_MAC));

        p[0].setPinnedSrcMac(Port.NO_PINNED_MAC);
        fx.send(p[0], Frames.BROADCAST, C);
        assertArrayEquals(new int[] {0, 1, 1}, fx.takeCounts(), "unpinned again: any source passes");
        assertThrows(IllegalArgumentException.class, () -> p[0].setPinnedSrcMac(1L << 48));
    }
}
