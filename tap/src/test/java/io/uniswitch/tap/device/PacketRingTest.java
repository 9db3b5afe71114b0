package io.uniswitch.tap.device;

import static io.uniswitch.tap.TestNet.MAC_A;
import static io.uniswitch.tap.TestNet.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tap.TestNet;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.IfPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Receive rings (TPACKET_V2 and V3) and sendmmsg batches on a real veth pair. */
class PacketRingTest {
    private static final PacketRing.Config V2 = PacketRing.Config.v2(1519, 1024 * 1024);
    private static final PacketRing.Config V3 = PacketRing.Config.v3(256 * 1024, 4, 1);

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<ByteBuf> buffers = new ArrayList<>();
    private String vethA;
    private String vethB;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @BeforeEach
    void createVeth() {
        vethA = TestNet.uniqueName("ustV");
        vethB = TestNet.uniqueName("ustW");
        TestNet.createVeth(vethA, vethB);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (AutoCloseable c : open) {
                c.close();
            }
            buffers.forEach(ByteBuf::release);
        } finally {
            TestNet.deleteQuietly(vethA);
            TestNet.deleteQuietly(vethB);
        }
    }

    private PacketSocket openSocket(String ifname, PacketRing.Config ring, boolean bypass) {
        final PacketSocket socket = PacketSocket.open(ifname, false, ring, bypass);
        open.add(socket);
        return socket;
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    @Test
    void v2FramesRoundTripWithoutEcho() {
        roundTrip(V2);
    }

    @Test
    void v3FramesRoundTripWithoutEcho() {
        roundTrip(V3);
    }

    private void roundTrip(PacketRing.Config config) {
        final PacketSocket a = openSocket(vethA, config, true);
        final PacketSocket b = openSocket(vethB, config, false);
        assertEquals(config, a.ring().config());
        final ByteBuf dst = track(Unpooled.directBuffer(2048));

        final long aToB = TestNet.newTag();
        final ByteBuf small = track(TestNet.frame(MAC_B, MAC_A, aToB, 60));
        assertEquals(60, a.write(small));
        assertEquals(60, TestNet.awaitFrame(dst, () -> b.read(dst), aToB, 2000));
        assertEquals(small, dst.slice(0, 60));

        final long bToA = TestNet.newTag();
        final ByteBuf full = track(TestNet.frame(MAC_A, MAC_B, bToA, 1514));
        assertEquals(1514, b.write(full));
        assertEquals(1514, TestNet.awaitFrame(dst, () -> a.read(dst), bToA, 2000));
        assertEquals(full, dst.slice(0, 1514));
        // a sent aToB itself (with qdisc bypass) and b sent bToA: neither may come back to its sender.
        assertEquals(0, TestNet.countFrames(dst, () -> a.read(dst), aToB, 50), "a read back its own frame");
        assertEquals(0, TestNet.countFrames(dst, () -> b.read(dst), bToA, 50), "b read back its own frame");
    }

    @Test
    void batchOf64GoesOutInOneSendmmsgAndArrivesInOrder() {
        final PacketSocket a = openSocket(vethA, V2, true);
        final PacketSocket b = openSocket(vethB, V2, false);
        final long tag = TestNet.newTag();
        final SendBatch batch = new SendBatch();
        final List<ByteBuf> sent = new ArrayList<>();
        for (int i = 0; i < SendBatch.MAX_FRAMES; i++) {
            final ByteBuf f = track(TestNet.frame(MAC_B, MAC_A, tag + i, 60 + i * 20));
            sent.add(f);
            batch.add(f);
        }
        assertTrue(batch.isFull());
        assertThrows(IllegalStateException.class, () -> batch.add(sent.get(0)));
        assertEquals(SendBatch.MAX_FRAMES, a.send(batch, 0), "one call sends the whole batch");
        for (int i = 0; i < SendBatch.MAX_FRAMES; i++) {
            assertEquals(60 + i * 20, batch.sentBytes(i));
            assertEquals(0, sent.get(i).readerIndex(), "sendmmsg must not move indices");
            assertEquals(60 + i * 20, sent.get(i).writerIndex());
        }
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        for (int i = 0; i < SendBatch.MAX_FRAMES; i++) {
            assertEquals(60 + i * 20, TestNet.awaitFrame(dst, () -> b.read(dst), tag + i, 2000), "frame " + i);
        }
        assertEquals(0, TestNet.countFrames(dst, () -> a.read(dst), tag, 50));
    }

    @Test
    void sendFromTheMiddleAndRefusedFramesAreReported() {
        final PacketSocket a = openSocket(vethA, V2, true);
        final SendBatch batch = new SendBatch();
        batch.add(track(TestNet.frame(MAC_B, MAC_A, 1, 60)));
        batch.add(track(TestNet.frame(MAC_B, MAC_A, 2, 1515)));
        batch.add(track(TestNet.frame(MAC_B, MAC_A, 3, 60)));
        assertEquals(1, a.send(batch, 0), "the kernel stops at the refused frame");
        assertEquals(-1, a.send(batch, 1), "longer than MTU + 14");
        assertEquals(Errno.EMSGSIZE, a.lastWriteErrno());
        assertEquals(1, a.send(batch, 2));
        assertEquals(0, a.send(batch, 3), "nothing left");
    }

    @Test
    void frameLongerThanTheBufferIsConsumedAndReportedOverLong() {
        final PacketSocket a = openSocket(vethA, null, false);
        final PacketSocket b = openSocket(vethB, V2, false);
        final long tag = TestNet.newTag();
        assertEquals(300, a.write(track(TestNet.frame(MAC_B, MAC_A, tag, 300))));
        assertEquals(60, a.write(track(TestNet.frame(MAC_B, MAC_A, tag + 1, 60))));
        final ByteBuf small = track(Unpooled.directBuffer(100, 100));
        int n = 0;
        for (int i = 0; i < 2000 && n == 0; i++) {
            small.clear();
            n = b.read(small);
            TestNet.sleepMs(n == 0 ? 1 : 0);
        }
        assertTrue(n > 100, "over-long frame reported as " + n);
        assertEquals(0, small.writerIndex(), "nothing copied");
        assertEquals(60, TestNet.awaitFrame(small, () -> b.read(small), tag + 1, 2000), "next frame still read");
    }

    @Test
    void vlanTagStrippedByTheKernelIsPutBack() {
        final PacketSocket a = openSocket(vethA, null, false);
        final PacketSocket b = openSocket(vethB, V2, false);
        final long tag = TestNet.newTag();
        final ByteBuf tagged = track(Unpooled.directBuffer(64));
        tagged.writeShort((int) (MAC_B >>> 32)).writeInt((int) MAC_B);
        tagged.writeShort((int) (MAC_A >>> 32)).writeInt((int) MAC_A);
        tagged.writeShort(0x8100).writeShort(42).writeShort(TestNet.ETHERTYPE).writeLong(tag);
        tagged.writeZero(64 - tagged.writerIndex());
        assertEquals(64, a.write(tagged));
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        int n = 0;
        for (int i = 0; i < 2000 && n == 0; i++) {
            dst.clear();
            n = b.read(dst);
            if (n > 0 && dst.getUnsignedShort(12) != 0x8100 && dst.getUnsignedShort(12) != TestNet.ETHERTYPE) {
                n = 0;
            }
            TestNet.sleepMs(n == 0 ? 1 : 0);
        }
        assertEquals(64, n);
        assertEquals(tagged, dst.slice(0, 64));
    }

    @Test
    void linkDownIsReportedOnceAsEnetdownAndFramesFlowAgainWhenUp() {
        final PacketSocket a = openSocket(vethA, null, false);
        final PacketSocket b = openSocket(vethB, V2, false);
        assertEquals(0, b.takeError());
        NetInterfaces.setUp(vethB, false);
        assertEquals(Errno.ENETDOWN, b.takeError());
        assertEquals(0, b.takeError(), "taken, so EPOLLERR stops");
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        assertEquals(0, b.read(dst));
        NetInterfaces.setUp(vethB, true);
        assertTrue(TestNet.eventually(() -> TestNet.sysfs(vethA, "operstate").equals("up")
                && TestNet.sysfs(vethB, "operstate").equals("up"), 3000));
        final long tag = TestNet.newTag();
        assertEquals(60, a.write(track(TestNet.frame(MAC_B, MAC_A, tag, 60))));
        assertEquals(60, TestNet.awaitFrame(dst, () -> b.read(dst), tag, 2000));
    }

    @Test
    void badGeometryIsRefusedBeforeAnySyscall() {
        assertThrows(IllegalArgumentException.class, () -> new PacketRing.Config(IfPacket.TPACKET_V2, 5000, 4, 2048,
                0));
        assertThrows(IllegalArgumentException.class, () -> new PacketRing.Config(IfPacket.TPACKET_V2, 65536, 4, 3000,
                0));
        assertThrows(IllegalArgumentException.class, () -> PacketRing.Config.v3(65536, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> new PacketRing.Config(7, 65536, 4, 2048, 1));
        assertEquals(4096, PacketRing.Config.v2(9018, 1 << 20).frameBytes() / 4);
    }
}
