package io.uniswitch.tendernet.vhostuser;

import io.netty.util.internal.PlatformDependent;
import io.uniswitch.tap.linux.Mman;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.UnixSockets;
import io.uniswitch.tendernet.vhostuser.protocol.Message;
import io.uniswitch.tendernet.vhostuser.protocol.MessageChannel;
import io.uniswitch.tendernet.vhostuser.protocol.VhostUser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * A vhost-user front-end and virtio-net driver in one, standing in for QEMU and a guest in tests and benchmarks: it
 * connects to a port's socket as QEMU does, shares guest RAM (a memfd it maps itself), sets up queue 0 (RX) with
 * receive buffers posted and queue 1 (TX), and then sends and receives frames as a guest's driver would, writing and
 * reading the rings directly and kicking through eventfds. Not thread-safe; not part of the switch.
 */
public final class GuestDriver implements AutoCloseable {
    public static final int QUEUE_SIZE = 256;
    static final int BUFFER_BYTES = 2048;
    private static final long RAM_BYTES = 4 << 20;
    private static final long RX_DESC = 0x0;
    private static final long RX_AVAIL = 0x1000;
    private static final long RX_USED = 0x2000;
    private static final long TX_DESC = 0x4000;
    private static final long TX_AVAIL = 0x5000;
    private static final long TX_USED = 0x6000;
    private static final long RX_BUFFERS = 0x10000;
    private static final long TX_BUFFERS = RX_BUFFERS + (long) QUEUE_SIZE * BUFFER_BYTES;

    private final MessageChannel channel;
    private final int ram;
    private final long base;
    /** Kick and call eventfds per queue; -1 until start() makes them (never fd 0: close() closes these). */
    private final int[] kick = {-1, -1};
    private final int[] call = {-1, -1};
    private int txAvail;
    private int rxAvail;
    private int rxUsedSeen;
    private int txUsedSeen;
    /** TX descriptor ids not in the device's hands. */
    private final int[] txFree = new int[QUEUE_SIZE];
    /** TX descriptor ids in the device's hands: a chain returned twice or never lent is a device bug. */
    private final boolean[] txHeld = new boolean[QUEUE_SIZE];
    private int txFreeCount;
    private boolean closed;

    private GuestDriver(MessageChannel channel, int ram, long base) {
        this.channel = channel;
        this.ram = ram;
        this.base = base;
        for (int i = 0; i < QUEUE_SIZE; i++) {
            txFree[txFreeCount++] = QUEUE_SIZE - 1 - i;
        }
    }

    /** Connects to the port's socket (waiting up to 2 s for it) and maps guest RAM. */
    public static GuestDriver connect(Path socket) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            try {
                // Blocking once connected, as the message channel wants.
                return withRam(UnixSockets.connect("frontend", socket, SysSocket.SOCK_STREAM));
            } catch (NativeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(e.getMessage(), e);
                }
                Thread.sleep(10);
            }
        }
    }

    /**
     * As QEMU with {@code -chardev socket,server=on}: listens at {@code socket} (which must not exist), waits up to
     * {@code timeoutMs} for the back-end (a port in mode client) to connect, then removes the socket and maps RAM.
     */
    public static GuestDriver accept(Path socket, long timeoutMs) throws IOException {
        int listen = UnixSockets.bind("frontend", socket, SysSocket.SOCK_STREAM, 1, true);
        try {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                int fd = Syscall.LIBC.accept4(listen, null, null, SysSocket.SOCK_CLOEXEC);
                if (fd >= 0) {
                    return withRam(fd);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("nothing connected to " + socket + " within " + timeoutMs + " ms");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting on " + socket, e);
                }
            }
        } finally {
            Syscall.closeQuietly(listen);
            UnixSockets.deleteQuietly(socket);
        }
    }

    private static GuestDriver withRam(int fd) {
        int ram = Syscall.LIBC.memfd_create("guest-ram", 0);
        Syscall.LIBC.ftruncate(ram, RAM_BYTES);
        long base = Syscall.LIBC.mmap(null, RAM_BYTES, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, ram, 0);
        PlatformDependent.setMemory(base, RAM_BYTES, (byte) 0);
        return new GuestDriver(new MessageChannel("frontend", fd), ram, base);
    }

    public MessageChannel channel() {
        return channel;
    }

    /** Sends a request and, if it has one, returns the reply. */
    public Message request(int request, byte[] payload, boolean expectReply, int... fds) throws Exception {
        channel.send(request, VhostUser.VERSION, payload, fds);
        return expectReply ? channel.read() : null;
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(index).putInt(num).array();
    }

    /** Negotiates {@code features}, shares RAM, sets up both queues and posts all RX buffers. */
    public void start(long features) throws Exception {
        request(VhostUser.GET_FEATURES, new byte[0], true);
        request(VhostUser.SET_FEATURES, u64(features), false);
        request(VhostUser.SET_OWNER, new byte[0], false);
        byte[] table = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).putLong(0)
                .putLong(RAM_BYTES).putLong(base).putLong(0).array();
        request(VhostUser.SET_MEM_TABLE, table, false, ram);
        long[][] rings = {{RX_DESC, RX_AVAIL, RX_USED}, {TX_DESC, TX_AVAIL, TX_USED}};
        for (int q = 0; q < 2; q++) {
            kick[q] = Syscall.LIBC.eventfd(0, 0x800);
            call[q] = Syscall.LIBC.eventfd(0, 0x800);
            request(VhostUser.SET_VRING_NUM, state(q, QUEUE_SIZE), false);
            request(VhostUser.SET_VRING_BASE, state(q, 0), false);
            byte[] addr = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder()).putInt(q).putInt(0)
                    .putLong(base + rings[q][0]).putLong(base + rings[q][2]).putLong(base + rings[q][1]).putLong(0)
                    .array();
            request(VhostUser.SET_VRING_ADDR, addr, false);
            request(VhostUser.SET_VRING_KICK, u64(q), false, kick[q]);
            request(VhostUser.SET_VRING_CALL, u64(q), false, call[q]);
            if ((features & 1L << VhostUser.VHOST_USER_F_PROTOCOL_FEATURES) != 0) {
                request(VhostUser.SET_VRING_ENABLE, state(q, 1), false);
            }
        }
        for (int i = 0; i < QUEUE_SIZE; i++) {
            desc(RX_DESC, i, RX_BUFFERS + (long) i * BUFFER_BYTES, BUFFER_BYTES, 2);
            PlatformDependent.putShort(base + RX_AVAIL + 4 + 2L * i, (short) i);
        }
        rxAvail = QUEUE_SIZE;
        PlatformDependent.putShort(base + RX_AVAIL + 2, (short) rxAvail);
        kick(0);
        // Let the back-end finish the last messages before frames flow (GET_QUEUE_NUM has a reply).
        request(VhostUser.GET_QUEUE_NUM, new byte[0], true);
    }

    private void desc(long table, int i, long gpa, int len, int flags) {
        long d = base + table + 16L * i;
        PlatformDependent.putLong(d, gpa);
        PlatformDependent.putInt(d + 8, len);
        PlatformDependent.putShort(d + 12, (short) flags);
        PlatformDependent.putShort(d + 14, (short) 0);
    }

    private void kick(int q) {
        Pointer one = Syscall.allocate(8);
        one.putLong(0, 1);
        Syscall.LIBC.write(kick[q], one.address(), 8);
    }

    /**
     * Takes back the TX chains the device has used, by the ids in the used ring (the device may return them in any
     * order: a frame it still holds keeps its buffer); true when a buffer is free for another frame.
     */
    private boolean reclaimTx() {
        int used = PlatformDependent.getShort(base + TX_USED + 2) & 0xffff;
        java.lang.invoke.VarHandle.acquireFence();
        while (txUsedSeen != used) {
            int id = PlatformDependent.getInt(base + TX_USED + 4 + 8L * (txUsedSeen % QUEUE_SIZE));
            if (id < 0 || id >= QUEUE_SIZE || !txHeld[id]) {
                throw new IllegalStateException("the device returned TX chain " + id + ", which it does not hold");
            }
            txHeld[id] = false;
            txFree[txFreeCount++] = id;
            txUsedSeen = (txUsedSeen + 1) & 0xffff;
        }
        return txFreeCount > 0;
    }

    /** TX chains the device holds now (made available and not yet returned as used). */
    public int txInFlight() {
        reclaimTx();
        return QUEUE_SIZE - txFreeCount;
    }

    /** Queues one frame on TX (virtio-net header + frame in one buffer); returns false when the ring is full. */
    public boolean send(byte[] frame, boolean kickNow) {
        if (!reclaimTx()) {
            return false;
        }
        int i = txFree[--txFreeCount];
        txHeld[i] = true;
        long buf = TX_BUFFERS + (long) i * BUFFER_BYTES;
        PlatformDependent.setMemory(base + buf, VhostUserPort.NET_HDR_BYTES, (byte) 0);
        PlatformDependent.copyMemory(frame, 0, base + buf + VhostUserPort.NET_HDR_BYTES, frame.length);
        desc(TX_DESC, i, buf, VhostUserPort.NET_HDR_BYTES + frame.length, 0);
        PlatformDependent.putShort(base + TX_AVAIL + 4 + 2L * (txAvail % QUEUE_SIZE), (short) i);
        txAvail++;
        java.lang.invoke.VarHandle.releaseFence();
        PlatformDependent.putShort(base + TX_AVAIL + 2, (short) txAvail);
        if (kickNow) {
            kick(1);
        }
        return true;
    }

    public void kickTx() {
        kick(1);
    }

    /** Frames the device put in RX buffers since the last call; each buffer is posted again. */
    public List<byte[]> receive() {
        List<byte[]> frames = new ArrayList<>();
        int used = PlatformDependent.getShort(base + RX_USED + 2) & 0xffff;
        java.lang.invoke.VarHandle.acquireFence();
        boolean reposted = false;
        while (rxUsedSeen != used) {
            long e = base + RX_USED + 4 + 8L * (rxUsedSeen % QUEUE_SIZE);
            int id = PlatformDependent.getInt(e);
            int len = PlatformDependent.getInt(e + 4);
            long buf = base + RX_BUFFERS + (long) id * BUFFER_BYTES;
            int buffers = PlatformDependent.getShort(buf + 10);
            if (buffers != 1) {
                throw new AssertionError("num_buffers " + buffers + " for a frame that fits one buffer");
            }
            byte[] f = new byte[len - VhostUserPort.NET_HDR_BYTES];
            PlatformDependent.copyMemory(buf + VhostUserPort.NET_HDR_BYTES, f, 0, f.length);
            frames.add(f);
            PlatformDependent.putShort(base + RX_AVAIL + 4 + 2L * (rxAvail % QUEUE_SIZE), (short) id);
            rxAvail++;
            rxUsedSeen = (rxUsedSeen + 1) & 0xffff;
            reposted = true;
        }
        if (reposted) {
            java.lang.invoke.VarHandle.releaseFence();
            PlatformDependent.putShort(base + RX_AVAIL + 2, (short) rxAvail);
            kick(0);
        }
        return frames;
    }

    /**
     * Benchmark mode: writes {@code frame} (after a zero virtio-net header) into every TX buffer once, so that
     * {@link #offerTx} can make frames available with no copy.
     */
    public void fillTxBuffers(byte[] frame) {
        for (int i = 0; i < QUEUE_SIZE; i++) {
            long buf = TX_BUFFERS + (long) i * BUFFER_BYTES;
            PlatformDependent.setMemory(base + buf, VhostUserPort.NET_HDR_BYTES, (byte) 0);
            PlatformDependent.copyMemory(frame, 0, base + buf + VhostUserPort.NET_HDR_BYTES, frame.length);
            desc(TX_DESC, i, buf, VhostUserPort.NET_HDR_BYTES + frame.length, 0);
        }
    }

    /** Makes up to {@code n} prefilled TX buffers available (as many as the ring has room for); returns how many. */
    public int offerTx(int n) {
        reclaimTx();
        int k = 0;
        while (k < n && txFreeCount > 0) {
            int i = txFree[--txFreeCount];
            txHeld[i] = true;
            PlatformDependent.putShort(base + TX_AVAIL + 4 + 2L * (txAvail % QUEUE_SIZE), (short) i);
            txAvail++;
            k++;
        }
        if (k > 0) {
            java.lang.invoke.VarHandle.releaseFence();
            PlatformDependent.putShort(base + TX_AVAIL + 2, (short) txAvail);
        }
        return k;
    }

    /** Counts and reposts the RX buffers the device filled, without reading them; returns how many. */
    public int drainRx() {
        int used = PlatformDependent.getShort(base + RX_USED + 2) & 0xffff;
        java.lang.invoke.VarHandle.acquireFence();
        int n = 0;
        while (rxUsedSeen != used) {
            long e = base + RX_USED + 4 + 8L * (rxUsedSeen % QUEUE_SIZE);
            int id = PlatformDependent.getInt(e);
            PlatformDependent.putShort(base + RX_AVAIL + 4 + 2L * (rxAvail % QUEUE_SIZE), (short) id);
            rxAvail++;
            rxUsedSeen = (rxUsedSeen + 1) & 0xffff;
            n++;
        }
        if (n > 0) {
            java.lang.invoke.VarHandle.releaseFence();
            PlatformDependent.putShort(base + RX_AVAIL + 2, (short) rxAvail);
        }
        return n;
    }

    /** Disconnects and unmaps RAM. Idempotent (a descriptor number is never closed twice). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close();
        for (int q = 0; q < 2; q++) {
            Syscall.closeQuietly(kick[q]);
            Syscall.closeQuietly(call[q]);
        }
        Syscall.LIBC.munmap(base, RAM_BYTES);
        Syscall.closeQuietly(ram);
    }
}
