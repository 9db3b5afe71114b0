package io.uniswitch.tap.device;

import static io.uniswitch.tap.TestNet.MAC_A;
import static io.uniswitch.tap.TestNet.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.uniswitch.tap.TestNet;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.NativeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PacketSocketTest {
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

    private PacketSocket openSocket(String ifname, boolean promisc) {
        final PacketSocket socket = PacketSocket.open(ifname, promisc);
        open.add(socket);
        return socket;
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    @Test
    void boundToTheNamedInterface() {
        final PacketSocket a = openSocket(vethA, false);
        assertEquals(vethA, a.interfaceName());
        assertEquals(NetInterfaces.index(vethA), a.ifindex());
        assertTrue(a.fd() > 2);
        assertEquals(a.fd(), a.fileDescriptor().intValue());
        assertFalse(a.isClosed());
        a.close();
        assertTrue(a.isClosed());
        a.close();
    }

    @Test
    void frameWrittenOnOneEndIsReadOnTheOtherAndNotEchoed() {
        final PacketSocket a = openSocket(vethA, false);
        final PacketSocket b = openSocket(vethB, false);
        final ByteBuf dst = track(Unpooled.directBuffer(2048));

        final long aToB = TestNet.newTag();
        final ByteBuf frame = track(TestNet.frame(MAC_B, MAC_A, aToB, 60));
        assertEquals(60, a.write(frame));
        assertEquals(0, frame.readerIndex());
        assertEquals(60, frame.writerIndex());
        assertEquals(60, TestNet.awaitFrame(dst, () -> b.read(dst), aToB, 2000));
        assertEquals(frame, dst.slice(0, 60));
        // The copy for a's own taps is made before veth hands the frame to b, so it would be queued by now.
        assertEquals(0, TestNet.countFrames(dst, () -> a.read(dst), aToB, 50),
                "PACKET_IGNORE_OUTGOING: a must not read its own frame");

        final long bToA = TestNet.newTag();
        final ByteBuf reply = track(TestNet.frame(MAC_A, MAC_B, bToA, 1514));
        assertEquals(1514, b.write(reply));
        assertEquals(1514, TestNet.awaitFrame(dst, () -> a.read(dst), bToA, 2000));
        assertEquals(reply, dst.slice(0, 1514));
    }

    @Test
    void oneBufferWrittenToSeveralSocketsStaysIntact() {
        final PacketSocket a = openSocket(vethA, false);
        final PacketSocket b = openSocket(vethB, false);
        final long tag = TestNet.newTag();
        final ByteBuf frame = track(TestNet.frame(MAC_B, MAC_A, tag, 64));
        frame.readerIndex(0);
        for (int i = 0; i < 3; i++) {
            assertEquals(64, a.write(frame));
        }
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        assertEquals(3, TestNet.countFrames(dst, () -> b.read(dst), tag, 200));
        final PacketSocket.Statistics stats = b.statistics();
        assertTrue(stats.frames() >= 3, stats.toString());
        assertEquals(0, stats.drops());
    }

    @Test
    void promiscuousMembershipLastsAsLongAsTheSocket() {
        final PacketSocket plain = openSocket(vethA, false);
        assertTrue(TestNet.run("ip", "-d", "link", "show", vethA).contains("promiscuity 0"));
        final PacketSocket promisc = openSocket(vethB, true);
        final String shown = TestNet.run("ip", "-d", "link", "show", vethB);
        assertTrue(shown.contains("promiscuity 1"), shown);
        promisc.close();
        assertTrue(TestNet.run("ip", "-d", "link", "show", vethB).contains("promiscuity 0"));
        assertFalse(plain.isClosed());
    }

    @Test
    void droppedWritesReturnMinusOneWithTheReason() {
        final PacketSocket a = openSocket(vethA, false);
        final ByteBuf jumbo = track(TestNet.frame(MAC_B, MAC_A, 1, 1515));
        assertEquals(-1, a.write(jumbo), "longer than MTU + 14");
        assertEquals(Errno.EMSGSIZE, a.lastWriteErrno());

        NetInterfaces.setUp(vethA, false);
        assertEquals(-1, a.write(track(TestNet.frame(MAC_B, MAC_A, 2, 60))));
        assertEquals(Errno.ENETDOWN, a.lastWriteErrno());
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        for (int i = 0; i < 5; i++) {
            dst.clear();
            assertEquals(0, a.read(dst), "ENETDOWN on read means no frame");
        }
    }

    @Test
    void readTruncatesToWritableBytes() {
        final PacketSocket a = openSocket(vethA, false);
        final PacketSocket b = openSocket(vethB, false);
        final long tag = TestNet.newTag();
        assertEquals(300, a.write(track(TestNet.frame(MAC_B, MAC_A, tag, 300))));
        final ByteBuf small = track(Unpooled.directBuffer(100, 100));
        assertEquals(100, TestNet.awaitFrame(small, () -> b.read(small), tag, 2000));
        assertEquals(100, small.writerIndex());
    }

    @Test
    void missingInterfaceIsNamed() {
        final String missing = TestNet.uniqueName("ustN");
        final NativeException e = assertThrows(NativeException.class, () -> PacketSocket.open(missing, true));
        assertEquals("SIOCGIFINDEX " + missing + ": ENODEV (no such interface; check the name with `ip link`)",
                e.getMessage());
    }

    @Test
    void deletedInterfaceFailsWrites() {
        final PacketSocket a = openSocket(vethA, false);
        TestNet.run("ip", "link", "del", vethA);
        final NativeException e = assertThrows(NativeException.class,
                () -> a.write(track(TestNet.frame(MAC_B, MAC_A, 3, 60))));
        assertEquals("write", e.call());
        assertEquals(vethA, e.object());
    }
}
