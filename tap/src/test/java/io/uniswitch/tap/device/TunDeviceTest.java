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
import io.uniswitch.tap.linux.IfTun;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TunDeviceTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<ByteBuf> buffers = new ArrayList<>();
    private String name;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @BeforeEach
    void pickName() {
        name = TestNet.uniqueName("ustT");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        buffers.forEach(ByteBuf::release);
        TestNet.deleteQuietly(name);
    }

    private TunDevice openTap(String tapName, TapOptions options) {
        final TunDevice tap = TunDevice.open(tapName, options);
        open.add(tap);
        return tap;
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    @Test
    void createsATapTheKernelAndIpLinkShow() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS);
        assertEquals(name, tap.name());
        assertTrue(tap.fd() > 2);
        assertEquals(tap.fd(), tap.fileDescriptor().intValue());
        assertFalse(tap.isClosed());
        assertEquals(0, tap.vnetHdrBytes());
        assertEquals("0x1002", TestNet.sysfs(name, "tun_flags"), "IFF_TAP | IFF_NO_PI, not persistent");
        assertEquals("-1", TestNet.sysfs(name, "owner"));
        assertEquals("-1", TestNet.sysfs(name, "group"));
        final String details = TestNet.run("ip", "-d", "link", "show", name);
        assertTrue(details.contains("tun type tap"), details);
        assertTrue(NetInterfaces.isTunTap(name));

        tap.close();
        assertTrue(tap.isClosed());
        assertFalse(TestNet.linkExists(name), "a transient tap goes away with its fd");
        tap.close();
        assertTrue(tap.isClosed());
    }

    @Test
    void persistKeepsTheDeviceAfterCloseUntilCleared() {
        final TunDevice first = openTap(name, TapOptions.DEFAULTS.withPersist(true));
        assertEquals("0x1802", TestNet.sysfs(name, "tun_flags"));
        first.close();
        assertTrue(TestNet.linkExists(name));

        final TunDevice again = openTap(name, TapOptions.DEFAULTS);
        assertEquals("0x1802", TestNet.sysfs(name, "tun_flags"), "attaching without persist keeps persistence");
        again.setPersist(false);
        assertEquals("0x1002", TestNet.sysfs(name, "tun_flags"));
        again.setPersist(true);
        assertEquals("0x1802", TestNet.sysfs(name, "tun_flags"));
        again.setPersist(false);
        again.close();
        assertFalse(TestNet.linkExists(name));
    }

    @Test
    void ownerAndGroupShowInSysfs() {
        openTap(name, TapOptions.DEFAULTS.withOwnerUid(4242).withGroupGid(4343));
        assertEquals("4242", TestNet.sysfs(name, "owner"));
        assertEquals("4343", TestNet.sysfs(name, "group"));
    }

    @Test
    void secondOpenWhileHeldIsEbusyWithHint() {
        final TunDevice holder = openTap(name, TapOptions.DEFAULTS);
        final NativeException e = assertThrows(NativeException.class, () -> openTap(name, TapOptions.DEFAULTS));
        assertEquals("TUNSETIFF " + name + ": EBUSY (device held by another process)", e.getMessage());
        assertEquals("TUNSETIFF", e.call());
        assertEquals(name, e.object());
        assertEquals(Errno.EBUSY, e.errno());
        assertEquals("EBUSY", e.errnoName());
        assertFalse(holder.isClosed());
        assertTrue(TestNet.linkExists(name), "the failed attach must not disturb the holder");
    }

    @Test
    void nameOfAnotherLinkTypeIsEinval() {
        final String peer = TestNet.uniqueName("ustU");
        try {
            TestNet.run("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
            final NativeException e = assertThrows(NativeException.class, () -> openTap(name, TapOptions.DEFAULTS));
            assertEquals("TUNSETIFF " + name + ": EINVAL (the name belongs to an interface that is not a tap, or "
                    + "IFF_MULTI_QUEUE differs)", e.getMessage());
        } finally {
            TestNet.deleteQuietly(name);
        }
    }

    @Test
    void invalidNamesAreRejectedBeforeAnySyscall() {
        final IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> TunDevice.open("ustT0123456789ab", TapOptions.DEFAULTS));
        assertEquals("interface name 'ustT0123456789ab' has 16 bytes; Linux allows at most 15", tooLong.getMessage());
        assertFalse(TestNet.linkExists("ustT0123456789a"), "the kernel must not have truncated and created it");
        assertThrows(IllegalArgumentException.class, () -> TunDevice.open("", TapOptions.DEFAULTS));
        assertThrows(IllegalArgumentException.class, () -> TunDevice.open("a/b", TapOptions.DEFAULTS));
        assertThrows(IllegalArgumentException.class, () -> TunDevice.open("a b", TapOptions.DEFAULTS));
        assertThrows(IllegalArgumentException.class, () -> new TapOptions(false, -2, -1, false));
    }

    @Test
    void missingCloneDeviceNamesTheModule() {
        final NativeException e = assertThrows(NativeException.class,
                () -> TunDevice.open("/nonexistent/tun", name, TapOptions.DEFAULTS));
        assertEquals("open /nonexistent/tun: ENOENT (load the tun module (modprobe tun))", e.getMessage());
    }

    @Test
    void kernelFillsInATemplateName() {
        final TunDevice tap = openTap("ustQ%d", TapOptions.DEFAULTS);
        try {
            assertTrue(tap.name().matches("ustQ[0-9]+"), tap.name());
            assertTrue(TestNet.linkExists(tap.name()));
        } finally {
            tap.close();
            TestNet.deleteQuietly(tap.name());
        }
    }

    @Test
    void readReturnsZeroWhenNothingIsReadyAndRejectsUnusableBuffers() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS);
        final ByteBuf dst = track(Unpooled.directBuffer(2048));
        dst.writerIndex(10);
        assertEquals(0, tap.read(dst));
        assertEquals(10, dst.writerIndex());

        final ByteBuf heap = track(Unpooled.buffer(64));
        assertThrows(IllegalArgumentException.class, () -> tap.read(heap));
        assertThrows(IllegalArgumentException.class, () -> tap.write(heap));
        final ByteBuf full = track(Unpooled.directBuffer(16, 16).writeZero(16));
        assertThrows(IllegalArgumentException.class, () -> tap.read(full));
    }

    @Test
    void writeToADownTapIsACountedDropAndARuntFrameIsAnError() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS);
        final ByteBuf frame = track(TestNet.frame(MAC_B, MAC_A, 1, 60));
        assertEquals(-1, tap.write(frame), "the kernel answers EIO while the tap is down");
        assertEquals(Errno.EIO, tap.lastWriteErrno());

        final ByteBuf runt = track(Unpooled.directBuffer(16).writeZero(10));
        final NativeException e = assertThrows(NativeException.class, () -> tap.write(runt));
        assertEquals("write " + name + ": EINVAL (Invalid argument)", e.getMessage());
    }

    @Test
    void framesRoundTripBetweenTapFdAndPacketSocket() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS);
        TestNet.quiet(name);
        NetInterfaces.setUp(name, true);
        final PacketSocket socket = PacketSocket.open(name, false);
        open.add(socket);
        final ByteBuf dst = track(Unpooled.directBuffer(2048));

        // Tap fd -> kernel: the frame is received on the interface, where the packet socket sees it.
        final long inbound = TestNet.newTag();
        final ByteBuf in = track(TestNet.frame(MAC_B, MAC_A, inbound, 60));
        in.readerIndex(0);
        assertEquals(60, tap.write(in));
        assertEquals(0, in.readerIndex(), "write must not move readerIndex");
        assertEquals(60, in.writerIndex(), "write must not move writerIndex");
        assertEquals(60, TestNet.awaitFrame(dst, () -> socket.read(dst), inbound, 2000));
        assertEquals(in, dst.slice(0, 60));

        // Packet socket -> interface transmit: the tap fd reads it.
        final long outbound = TestNet.newTag();
        final ByteBuf out = track(TestNet.frame(MAC_A, MAC_B, outbound, 100));
        assertEquals(100, socket.write(out));
        assertEquals(100, TestNet.awaitFrame(dst, () -> tap.read(dst), outbound, 2000));
        assertEquals(out, dst.slice(0, 100));
        assertEquals(0, TestNet.countFrames(dst, () -> socket.read(dst), outbound, 50),
                "PACKET_IGNORE_OUTGOING: the socket must not see its own frame");
    }

    @Test
    void readAppendsAtWriterIndexAndTruncatesToWritableBytes() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS);
        TestNet.quiet(name);
        NetInterfaces.setUp(name, true);
        final PacketSocket socket = PacketSocket.open(name, false);
        open.add(socket);
        final long tag = TestNet.newTag();
        final ByteBuf out = track(TestNet.frame(MAC_A, MAC_B, tag, 200));
        assertEquals(200, socket.write(out));

        final ByteBuf small = track(Unpooled.directBuffer(64, 64));
        small.writerIndex(4);
        int n = 0;
        for (int i = 0; i < 200 && n == 0; i++) {
            n = tap.read(small);
            TestNet.sleepMs(n == 0 ? 5 : 0);
        }
        assertEquals(60, n, "the read fills the 60 writable bytes and the kernel drops the rest of the frame");
        assertEquals(64, small.writerIndex());
        assertTrue(TestNet.isFrame(small, 4, tag));
        assertEquals(0, tap.read(track(Unpooled.directBuffer(2048))), "the truncated rest is not readable");
    }

    @Test
    void vnetHeaderPrefixesEveryFrame() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS.withVnetHdr(true));
        assertEquals(IfTun.VIRTIO_NET_HDR_SIZE, tap.vnetHdrBytes());
        assertEquals("0x5002", TestNet.sysfs(name, "tun_flags"), "IFF_VNET_HDR is set");
        final Pointer size = Syscall.allocate(4);
        assertEquals(0, Syscall.LIBC.ioctl(tap.fd(), IfTun.TUNGETVNETHDRSZ, size));
        assertEquals(10, size.getInt(0));

        TestNet.quiet(name);
        NetInterfaces.setUp(name, true);
        final PacketSocket socket = PacketSocket.open(name, false);
        open.add(socket);
        final ByteBuf dst = track(Unpooled.directBuffer(2048));

        final long outbound = TestNet.newTag();
        assertEquals(60, socket.write(track(TestNet.frame(MAC_A, MAC_B, outbound, 60))));
        int n = 0;
        for (int i = 0; i < 200 && n == 0; i++) {
            dst.clear();
            n = tap.read(dst);
            if (n > 0 && !TestNet.isFrame(dst, 10, outbound)) {
                n = 0;
            }
            TestNet.sleepMs(n == 0 ? 5 : 0);
        }
        assertEquals(70, n, "10-byte virtio_net_hdr then the 60-byte frame");
        assertEquals(0, dst.getLong(0), "no offload requested: the header is all zero");

        final long inbound = TestNet.newTag();
        final ByteBuf in = track(Unpooled.directBuffer(70).writeZero(10));
        final ByteBuf frame = track(TestNet.frame(MAC_B, MAC_A, inbound, 60));
        in.writeBytes(frame, 0, 60);
        assertEquals(70, tap.write(in));
        assertEquals(60, TestNet.awaitFrame(dst, () -> socket.read(dst), inbound, 2000));
    }

    @Test
    void setOffloadEnablesChecksumAndTsoOnTheInterface() {
        final TunDevice tap = openTap(name, TapOptions.DEFAULTS.withVnetHdr(true));
        assertFalse(Offloads.get(name).txChecksum());
        tap.setOffload(IfTun.TUN_F_CSUM | IfTun.TUN_F_TSO4 | IfTun.TUN_F_TSO6);
        final Offloads.State state = Offloads.get(name);
        assertTrue(state.txChecksum(), state.describe());
        assertTrue(state.tso(), state.describe());
        tap.setOffload(0);
        assertFalse(Offloads.get(name).tso());
    }
}
