package io.uniswitch.tendernet.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tap.linux.NativeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The qemu ports on real unix sockets, with Java standing in for QEMU: framing both ways, a bad length prefix, a
 * reconnecting VM, a partial write, and the datagram mode's peer learning. No root needed.
 */
class QemuPortsTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @TempDir
    Path dir;

    private static byte[] frame(int length, int fill) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (fill + i);
        }
        f[0] = 2;
        f[6] = 2;
        return f;
    }

    private static ByteBuffer record(byte[] f) {
        ByteBuffer b = ByteBuffer.allocate(4 + f.length).putInt(f.length).put(f);
        return b.flip();
    }

    private static SocketChannel connect(Path p) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(p));
        return c;
    }

    /** Polls receive until {@code want} frames came or 2 s passed; returns their bytes, releasing the buffers. */
    private static List<byte[]> receive(QemuStreamPortOrDgram port, int want) throws InterruptedException {
        List<byte[]> out = new ArrayList<>();
        FrameBatch batch = new FrameBatch();
        long deadline = System.nanoTime() + 2_000_000_000L;
        do {
            port.receive(batch);
            for (int i = 0; i < batch.size(); i++) {
                out.add(ByteBufUtil.getBytes(batch.get(i)));
            }
            batch.releaseAll();
            Thread.sleep(1);
        } while (out.size() < want && System.nanoTime() < deadline);
        return out;
    }

    /** What the tests need of either port. */
    private interface QemuStreamPortOrDgram {
        int receive(FrameBatch b);
    }

    @Test
    void streamFramesBothWaysAndReconnect() throws Exception {
        Path path = dir.resolve("vm1.sock");
        try (QemuStreamPort port = new QemuStreamPort("vm1", path, 1500, 256, ALLOC)) {
            assertTrue(Files.exists(path));
            try (SocketChannel vm = connect(path)) {
                byte[] a = frame(60, 1);
                byte[] b = frame(1518, 7);
                // One record split across writes, then two at once: the decoder must reassemble.
                ByteBuffer ra = record(a);
                ByteBuffer first = ra.duplicate().limit(10);
                vm.write(first);
                List<byte[]> got = receive(port::receive, 0);
                assertTrue(got.isEmpty());
                vm.write(ra.position(10));
                vm.write(record(b));
                got = receive(port::receive, 2);
                assertEquals(2, got.size());
                assertArrayEquals(a, got.get(0));
                assertArrayEquals(b, got.get(1));
                assertTrue(port.connected());

                port.transmit(copy(a));
                port.flush();
                ByteBuffer in = ByteBuffer.allocate(64);
                readFully(vm, in);
                in.flip();
                assertEquals(60, in.getInt());
                byte[] echoed = new byte[60];
                in.get(echoed);
                assertArrayEquals(a, echoed);
                assertEquals(2, port.counters().rxFrames);
                assertEquals(1, port.counters().txFrames);
            }
            // The same VM restarted: a new connection is accepted.
            try (SocketChannel vm2 = connect(path)) {
                vm2.write(record(frame(100, 3)));
                assertEquals(1, receive(port::receive, 1).size());
                assertEquals(2, port.connectionsAccepted());
            }
        }
        assertFalse(Files.exists(path), "close removes the socket");
    }

    @Test
    void badLengthClosesTheConnectionAndCountsADrop() throws Exception {
        Path path = dir.resolve("vm2.sock");
        try (QemuStreamPort port = new QemuStreamPort("vm2", path, 1500, 256, ALLOC);
                SocketChannel vm = connect(path)) {
            vm.write(record(frame(60, 1)));
            vm.write(ByteBuffer.allocate(8).putInt(5000).putInt(0).flip());
            List<byte[]> got = receive(port::receive, 1);
            assertEquals(1, got.size(), "the good frame before the bad prefix is forwarded");
            receive(port::receive, 1);
            assertFalse(port.connected());
            assertEquals(1, port.counters().dropCount(DropReason.FRAME_TOO_LARGE));
            ByteBuffer in = ByteBuffer.allocate(4);
            assertEquals(-1, vm.read(in), "the VM sees the connection closed");
            // And it may come back.
            try (SocketChannel again = connect(path)) {
                again.write(ByteBuffer.allocate(4).putInt(0).flip());
                receive(port::receive, 1);
                assertEquals(1, port.counters().dropCount(DropReason.RUNT));
            }
        }
    }

    @Test
    void aPartialWriteKeepsTheRestForLater() throws Exception {
        Path path = dir.resolve("vm3.sock");
        try (QemuStreamPort port = new QemuStreamPort("vm3", path, 1500, 4096, ALLOC);
                SocketChannel vm = connect(path)) {
            receive(port::receive, 0);
            byte[] f = frame(1500, 9);
            int frames = 2000;
            for (int i = 0; i < frames; i++) {
                port.transmit(copy(f));
            }
            port.flush();
            assertTrue(port.hasPendingTx(), "3 MB do not fit the socket buffer");
            long total = (long) frames * (4 + f.length);
            ByteBuffer in = ByteBuffer.allocate(1 << 20);
            long read = 0;
            int checked = 0;
            ByteBuffer carry = ByteBuffer.allocate(4 + f.length);
            long deadline = System.nanoTime() + 10_000_000_000L;
            vm.configureBlocking(false);
            while (read < total && System.nanoTime() < deadline) {
                in.clear();
                int n = vm.read(in);
                if (n > 0) {
                    read += n;
                    in.flip();
                    while (in.hasRemaining()) {
                        carry.put(in.get());
                        if (!carry.hasRemaining()) {
                            carry.flip();
                            assertEquals(f.length, carry.getInt());
                            byte[] g = new byte[f.length];
                            carry.get(g);
                            assertArrayEquals(f, g);
                            checked++;
                            carry.clear();
                        }
                    }
                }
                // What the loop does on EPOLLOUT (seen through the port's own epoll fd).
                receive(port::receive, 0);
            }
            assertEquals(frames, checked);
            assertFalse(port.hasPendingTx());
        }
    }

    @Test
    void anExistingPathIsAnErrorNamingThePortAndPath() throws Exception {
        Path path = dir.resolve("taken.sock");
        Files.writeString(path, "x");
        NativeException e = assertThrows(NativeException.class, () -> new QemuStreamPort("vm4", path, 1500, 64,
                ALLOC));
        assertTrue(e.getMessage().contains("vm4") && e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(Files.exists(path), "a path the port did not create is left alone");
    }

    @Test
    void dgramLearnsThePeerAndDropsOversizedDatagrams() throws Exception {
        Path path = dir.resolve("vm5.sock");
        Path vmPath = dir.resolve("vm5-guest.sock");
        byte[] switchPath = path.toString().getBytes(StandardCharsets.UTF_8);
        Socket vm = Socket.newSocketDomainDgram();
        try (QemuDgramPort port = new QemuDgramPort("vm5", path, 1500, 64, ALLOC)) {
            vm.bind(new DomainSocketAddress(vmPath.toString()));
            port.transmit(copy(frame(60, 1)));
            port.flush();
            assertEquals(1, port.counters().dropCount(DropReason.TX_ERROR), "no peer yet");
            byte[] a = frame(60, 4);
            vm.sendToDomainSocket(ByteBuffer.allocateDirect(60).put(a).flip(), 0, 60, switchPath);
            vm.sendToDomainSocket(ByteBuffer.allocateDirect(2000).put(new byte[2000]).flip(), 0, 2000, switchPath);
            List<byte[]> got = receive(port::receive, 1);
            receive(port::receive, 1);
            assertEquals(1, got.size());
            assertArrayEquals(a, got.get(0));
            assertEquals(1, port.counters().dropCount(DropReason.FRAME_TOO_LARGE));
            assertTrue(port.hasPeer());
            byte[] b = frame(200, 5);
            port.transmit(copy(b));
            port.flush();
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            DomainDatagramSocketAddress from = null;
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (from == null && System.nanoTime() < deadline) {
                from = vm.recvFromDomainSocket(in, 0, in.capacity());
                Thread.sleep(1);
            }
            assertEquals(200, from.receivedAmount());
            byte[] g = new byte[200];
            in.get(0, g);
            assertArrayEquals(b, g);
        } finally {
            vm.close();
        }
        assertFalse(Files.exists(path));
    }

    private static ByteBuf copy(byte[] f) {
        ByteBuf b = ALLOC.directBuffer(f.length);
        b.writeBytes(f);
        return b;
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        b.limit(64);
        while (b.position() < 64) {
            if (c.read(b) < 0) {
                break;
            }
        }
    }
}
