package io.uniswitch.tendernet.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.vhostuser.memory.GuestMemory;
import io.uniswitch.tendernet.vhostuser.protocol.Message;
import io.uniswitch.tendernet.vhostuser.protocol.MessageChannel;
import io.uniswitch.tendernet.vhostuser.protocol.ProtocolException;
import io.uniswitch.tendernet.vhostuser.protocol.VhostUser;
import io.uniswitch.tendernet.vhostuser.virtq.SplitQueue;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jnr.ffi.Pointer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The back-end's protocol handling, driven by this test as a front-end the way QEMU drives it: over a real unix
 * socketpair with real descriptors (a memfd as guest RAM, eventfds for kick and call), then every malformed case,
 * and random bytes (a property: a front-end can make the connection fail, never the switch).
 */
class VhostUserBackendTest {
    private static final long GUEST_RAM = 1 << 20;
    private static final long UVA = 0x7f00_0000_0000L;

    private final List<String> events = new ArrayList<>();
    private final VhostUserBackend.Queues queues = new VhostUserBackend.Queues() {
        @Override
        public void started(int index, SplitQueue queue, int kickFd, int callFd) {
            events.add("started " + index + " size " + queue.size() + (kickFd >= 0 ? " kick" : "")
                    + (callFd >= 0 ? " call" : ""));
        }

        @Override
        public void stopped(int index) {
            events.add("stopped " + index);
        }

        @Override
        public void memoryChanged(GuestMemory memory) {
            events.add(memory == null ? "memory gone" : "memory " + memory.regionCount());
        }
    };
    private final VhostUserBackend backend = new VhostUserBackend("vm0", queues);
    private final List<Integer> fds = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        backend.close();
        for (int fd : fds) {
            Syscall.closeQuietly(fd);
        }
    }

    private int track(int fd) {
        assertTrue(fd >= 0);
        fds.add(fd);
        return fd;
    }

    /** A descriptor the message will carry: a dup, since the back-end closes what it receives. */
    private int dup(int fd) {
        int d = Syscall.LIBC.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, 3);
        assertTrue(d >= 0);
        return d;
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(index).putInt(num).array();
    }

    private static byte[] addr(int index, long desc, long used, long avail) {
        return ByteBuffer.allocate(40).order(ByteOrder.nativeOrder()).putInt(index).putInt(0).putLong(desc)
                .putLong(used).putLong(avail).putLong(0).array();
    }

    private byte[] send(int request, byte[] payload, int... messageFds) throws ProtocolException {
        return backend.handle(new Message(request, VhostUser.VERSION, payload, messageFds));
    }

    private byte[] memTable(long size) {
        return ByteBuffer.allocate(40).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).putLong(0).putLong(size)
                .putLong(UVA).putLong(0).array();
    }

    private int memfd() {
        int fd = track(Syscall.LIBC.memfd_create("guest-ram", 0));
        assertEquals(0, Syscall.LIBC.ftruncate(fd, GUEST_RAM));
        return fd;
    }

    /** The sequence QEMU sends for a virtio-net device with one queue pair. */
    private void negotiateAndStart(int ram) throws Exception {
        long offered = ByteBuffer.wrap(send(VhostUser.GET_FEATURES, new byte[0])).order(ByteOrder.nativeOrder())
                .getLong();
        assertEquals(VhostUserBackend.FEATURES, offered);
        send(VhostUser.SET_FEATURES, u64(offered & ~(1L << VhostUser.VIRTIO_RING_F_INDIRECT_DESC)));
        send(VhostUser.GET_PROTOCOL_FEATURES, new byte[0]);
        send(VhostUser.SET_PROTOCOL_FEATURES, u64(VhostUserBackend.PROTOCOL_FEATURES));
        send(VhostUser.SET_OWNER, new byte[0]);
        send(VhostUser.SET_MEM_TABLE, memTable(GUEST_RAM), dup(ram));
        for (int q = 0; q < 2; q++) {
            long base = UVA + 0x10000L * (q + 1);
            send(VhostUser.SET_VRING_NUM, state(q, 256));
            send(VhostUser.SET_VRING_BASE, state(q, 0));
            send(VhostUser.SET_VRING_ADDR, addr(q, base, base + 0x8000, base + 0x4000));
            send(VhostUser.SET_VRING_KICK, u64(q), dup(track(Syscall.LIBC.eventfd(0, 0))));
            send(VhostUser.SET_VRING_CALL, u64(q), dup(track(Syscall.LIBC.eventfd(0, 0))));
            send(VhostUser.SET_VRING_ENABLE, state(q, 1));
        }
    }

    @Test
    void aQemuLikeSessionStartsBothQueuesAndGetVringBaseStopsThem() throws Exception {
        negotiateAndStart(memfd());
        assertEquals(List.of("memory 1", "started 0 size 256 kick call", "started 1 size 256 kick call"), events);
        byte[] base = send(VhostUser.GET_VRING_BASE, state(1, 0));
        assertEquals(8, base.length);
        assertTrue(events.contains("stopped 1"));
        assertNotNull(backend.memory());
        // Reconnect-style: a new kick starts it again from the base it stopped at.
        send(VhostUser.SET_VRING_KICK, u64(1), dup(track(Syscall.LIBC.eventfd(0, 0))));
        assertEquals("started 1 size 256 kick call", events.get(events.size() - 1));
    }

    @Test
    void requestsTheBackendCannotHonourAreRefusedByName() throws Exception {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> send(VhostUser.SET_FEATURES, u64(VhostUserBackend.FEATURES | 1L << 22)));
        assertTrue(e.getMessage().contains("cannot honour") && e.getMessage().contains("400000"), e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_FEATURES, u64(1L << 5)));
        assertTrue(e.getMessage().contains("VIRTIO_F_VERSION_1"), e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_PROTOCOL_FEATURES, u64(1)));
        assertTrue(e.getMessage().contains("does not offer"), e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_VRING_NUM, state(5, 256)));
        assertTrue(e.getMessage().contains("queue 5") && e.getMessage().contains("multiqueue is off"),
                e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_VRING_NUM, state(0, 100)));
        assertTrue(e.getMessage().contains("not a power of two"), e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.GET_CONFIG, new byte[12]));
        assertTrue(e.getMessage().contains("GET_CONFIG is not supported"), e.getMessage());
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_VRING_KICK, u64(0)));
        assertTrue(e.getMessage().contains("came with 0 descriptors but says one"), e.getMessage());
    }

    @Test
    void aMemoryTableMustMatchItsDescriptorsAndBeShareable() throws Exception {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> send(VhostUser.SET_MEM_TABLE, memTable(GUEST_RAM)));
        assertTrue(e.getMessage().contains("0 descriptors"), e.getMessage());
        // A descriptor that is no memory (an eventfd: size 0) is refused before anything is mapped.
        int notMemory = track(Syscall.LIBC.eventfd(0, 0));
        e = assertThrows(ProtocolException.class,
                () -> send(VhostUser.SET_MEM_TABLE, memTable(GUEST_RAM), dup(notMemory)));
        assertTrue(e.getMessage().contains("declares 1048576 bytes but its file holds 0")
                && e.getMessage().contains("share=on"), e.getMessage());
        assertNull(backend.memory());
    }

    @Test
    void ringsOutsideGuestMemoryFailTheStartNotTheSwitch() throws Exception {
        int ram = memfd();
        send(VhostUser.SET_FEATURES, u64(VhostUserBackend.FEATURES));
        send(VhostUser.SET_MEM_TABLE, memTable(GUEST_RAM), dup(ram));
        send(VhostUser.SET_VRING_NUM, state(0, 256));
        send(VhostUser.SET_VRING_ADDR, addr(0, UVA + GUEST_RAM - 16, UVA, UVA));
        send(VhostUser.SET_VRING_ENABLE, state(0, 1));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> send(VhostUser.SET_VRING_KICK, u64(0), dup(track(Syscall.LIBC.eventfd(0, 0)))));
        assertTrue(e.getMessage().contains("not inside the shared memory"), e.getMessage());
    }

    @Test
    void kicksAndCallsMustBeEventfdsAndARefusedOneIsClosed() throws Exception {
        int ram = memfd();
        send(VhostUser.SET_FEATURES, u64(VhostUserBackend.FEATURES));
        send(VhostUser.SET_MEM_TABLE, memTable(GUEST_RAM), dup(ram));
        int[] pair = streamPair();
        track(pair[0]);
        track(pair[1]);
        int passed = dup(pair[0]);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> send(VhostUser.SET_VRING_CALL, u64(1), passed));
        assertTrue(e.getMessage().contains("SET_VRING_CALL for queue 1 passed socket:[")
                && e.getMessage().contains("not an eventfd"), e.getMessage());
        assertEquals(-1, Syscall.LIBC.fcntl(passed, Fcntl.F_GETFL, 0), "the refused descriptor is closed");
        int passedKick = dup(pair[1]);
        e = assertThrows(ProtocolException.class, () -> send(VhostUser.SET_VRING_KICK, u64(0), passedKick));
        assertTrue(e.getMessage().contains("SET_VRING_KICK for queue 0"), e.getMessage());
        assertEquals(-1, Syscall.LIBC.fcntl(passedKick, Fcntl.F_GETFL, 0));
    }

    @Test
    void memoryTheLoopMayStillReadIsNeverUnmapped() throws Exception {
        // A data plane that never confirms a stop (the port's hand-over gave up): the queue may still be read, so
        // neither a new table nor the end of the connection may unmap what it points into.
        List<String> stops = new ArrayList<>();
        VhostUserBackend stuck = new VhostUserBackend("vm1", new VhostUserBackend.Queues() {
            @Override
            public void started(int index, SplitQueue queue, int kickFd, int callFd) {
            }

            @Override
            public void stopped(int index) {
                stops.add("stop " + index);
                throw new IllegalStateException("the data plane did not take the queue hand-over within 60 s");
            }

            @Override
            public void memoryChanged(GuestMemory memory) {
            }
        });
        String first = "ram-pinned-" + System.nanoTime();
        String second = "ram-refused-" + System.nanoTime();
        int ram = namedMemfd(first);
        // Without the protocol-features bit a kick enables the queue (as with an older front-end).
        stuck.handle(new Message(VhostUser.SET_FEATURES, VhostUser.VERSION, u64(VhostUserBackend.FEATURES
                & ~(1L << VhostUser.VHOST_USER_F_PROTOCOL_FEATURES)), new int[0]));
        stuck.handle(new Message(VhostUser.SET_MEM_TABLE, VhostUser.VERSION, memTable(GUEST_RAM),
                new int[] {dup(ram)}));
        long base = UVA + 0x10000L;
        stuck.handle(new Message(VhostUser.SET_VRING_NUM, VhostUser.VERSION, state(1, 256), new int[0]));
        stuck.handle(new Message(VhostUser.SET_VRING_ADDR, VhostUser.VERSION, addr(1, base, base + 0x8000,
                base + 0x4000), new int[0]));
        stuck.handle(new Message(VhostUser.SET_VRING_KICK, VhostUser.VERSION, u64(1),
                new int[] {dup(track(Syscall.LIBC.eventfd(0, 0)))}));
        assertTrue(mapped(first));

        int next = namedMemfd(second);
        ProtocolException e = assertThrows(ProtocolException.class, () -> stuck.handle(new Message(
                VhostUser.SET_MEM_TABLE, VhostUser.VERSION, memTable(GUEST_RAM), new int[] {dup(next)})));
        assertTrue(e.getMessage().contains("queue 1 could not be stopped"), e.getMessage());
        assertEquals(List.of("stop 1"), stops);
        assertFalse(mapped(second), "the refused table is unmapped at once");

        // A reset keeps the connection; a new table then replaces the pinned one without unmapping it, and is
        // itself unmapped as usual when the connection ends: only what the stuck queue may read is kept.
        stuck.handle(new Message(VhostUser.RESET_DEVICE, VhostUser.VERSION, new byte[0], new int[0]));
        String third = "ram-next-" + System.nanoTime();
        int later = namedMemfd(third);
        stuck.handle(new Message(VhostUser.SET_MEM_TABLE, VhostUser.VERSION, memTable(GUEST_RAM),
                new int[] {dup(later)}));
        assertTrue(mapped(first), "the pinned table stays mapped after a reset and a new table");
        assertTrue(mapped(third));
        stuck.close();
        assertTrue(mapped(first), "the table a running queue pointed into stays mapped (leaked on purpose)");
        assertFalse(mapped(third), "a later table is not pinned");
    }

    private int namedMemfd(String name) {
        int fd = track(Syscall.LIBC.memfd_create(name, 0));
        assertEquals(0, Syscall.LIBC.ftruncate(fd, GUEST_RAM));
        return fd;
    }

    private static boolean mapped(String memfdName) throws Exception {
        return Files.readString(Path.of("/proc/self/maps")).contains("/memfd:" + memfdName + " ");
    }

    /** A connected stream socketpair: [back-end end, front-end end]. */
    private int[] streamPair() {
        Pointer p = Syscall.allocate(8);
        assertEquals(0, Syscall.LIBC.socketpair(SysSocket.AF_UNIX, SysSocket.SOCK_STREAM, 0, p));
        return new int[] {p.getInt(0), p.getInt(4)};
    }

    @Test
    void messagesWithSeveralDescriptorsCrossARealSocket() throws Exception {
        int[] pair = streamPair();
        try (MessageChannel backendSide = new MessageChannel("vm0", pair[0]);
                MessageChannel frontend = new MessageChannel("qemu", pair[1])) {
            int a = track(Syscall.LIBC.eventfd(0, 0));
            int b = track(Syscall.LIBC.eventfd(0, 0));
            int c = track(Syscall.LIBC.eventfd(0, 0));
            frontend.send(VhostUser.SET_VRING_CALL, VhostUser.VERSION | VhostUser.FLAG_NEED_REPLY, u64(1),
                    new int[] {a, b, c});
            Message m = backendSide.read();
            assertEquals(VhostUser.SET_VRING_CALL, m.request());
            assertEquals(3, m.fdCount());
            assertTrue(m.needsReply());
            assertEquals(1, m.u64(0));
            m.closeUnclaimedFds();

            backendSide.replyU64(VhostUser.GET_FEATURES, 42);
            Message reply = frontend.read();
            assertEquals(42, reply.u64(0));
            assertEquals(VhostUser.VERSION | VhostUser.FLAG_REPLY, reply.flags());

            // A header with a bad version, then one announcing a huge payload: errors, not exceptions of the JVM.
            frontend.send(VhostUser.GET_FEATURES, 0x2, new byte[0], new int[0]);
            assertThrows(ProtocolException.class, backendSide::read);
            frontend.send(VhostUser.SET_FEATURES, VhostUser.VERSION, new byte[3], new int[0]);
            ProtocolException e = assertThrows(ProtocolException.class, backendSide::read);
            assertTrue(e.getMessage().contains("SET_FEATURES: payload of 3 bytes, expected 8"), e.getMessage());
        }
    }

    @Property(tries = 200)
    void randomBytesFromAFrontEndNeverEscapeAsAnythingButAProtocolError(@ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        int[] pair = streamPair();
        VhostUserBackend b = new VhostUserBackend("fuzz", queues);
        try (MessageChannel backendSide = new MessageChannel("fuzz", pair[0])) {
            // Mostly well-formed headers with random requests and payloads, sometimes garbage.
            ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 8 && out.remaining() > 100; i++) {
                int request = rnd.nextInt(45);
                int size = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(48);
                out.putInt(request).putInt(rnd.nextInt(8) == 0 ? rnd.nextInt() : VhostUser.VERSION).putInt(size);
                for (int k = 0; k < Math.min(Math.max(size, 0), 48) && out.remaining() > 0; k++) {
                    out.put((byte) rnd.nextInt());
                }
            }
            Pointer data = Syscall.allocate(out.position());
            data.put(0, out.array(), 0, out.position());
            Syscall.LIBC.write(pair[1], data.address(), out.position());
            Syscall.LIBC.close(pair[1]);
            while (true) {
                try {
                    Message m = backendSide.read();
                    b.handle(m);
                } catch (ProtocolException e) {
                    // Expected for malformed input: the connection would be closed here.
                    break;
                } catch (EOFException e) {
                    break;
                }
            }
        } finally {
            b.close();
        }
    }
}
