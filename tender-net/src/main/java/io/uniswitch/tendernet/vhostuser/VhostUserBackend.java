package io.uniswitch.tendernet.vhostuser;

import io.uniswitch.tap.linux.Syscall;
import io.uniswitch.tendernet.vhostuser.memory.GuestMemory;
import io.uniswitch.tendernet.vhostuser.protocol.Message;
import io.uniswitch.tendernet.vhostuser.protocol.ProtocolException;
import io.uniswitch.tendernet.vhostuser.protocol.VhostUser;
import io.uniswitch.tendernet.vhostuser.virtq.SplitQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The back-end side of one vhost-user connection for a virtio-net device with one queue pair (queue 0: RX, the
 * device writes to the guest; queue 1: TX, the guest writes to the device): feature negotiation, the memory table,
 * the vrings' size, addresses, base, kick, call and enable state. When a queue has all it needs it is started (a
 * {@link SplitQueue} over the guest's memory handed to {@link Queues}); GET_VRING_BASE, a reset or a new memory table
 * stops it first.
 *
 * <p>Offered: VIRTIO_F_VERSION_1, VIRTIO_NET_F_MAC, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_RING_F_EVENT_IDX,
 * VIRTIO_RING_F_INDIRECT_DESC, VHOST_USER_F_PROTOCOL_FEATURES; protocol features: REPLY_ACK only (no MQ). A front-end
 * asking for more is refused with a {@link ProtocolException} naming the bits.
 *
 * <p>One control thread per connection calls {@link #handle}; {@link Queues} callbacks run on it and hand the queues
 * to the loop. Owns the descriptors it claims (memory fds are closed once mapped; kick and call fds are handed over).
 */
public final class VhostUserBackend {
    public static final int QUEUES = 2;
    public static final int RX = 0;
    public static final int TX = 1;
    public static final long FEATURES = 1L << VhostUser.VIRTIO_F_VERSION_1 | 1L << VhostUser.VIRTIO_NET_F_MAC
            | 1L << VhostUser.VIRTIO_NET_F_MRG_RXBUF | 1L << VhostUser.VIRTIO_RING_F_EVENT_IDX
            | 1L << VhostUser.VIRTIO_RING_F_INDIRECT_DESC | 1L << VhostUser.VHOST_USER_F_PROTOCOL_FEATURES;
    public static final long PROTOCOL_FEATURES = 1L << VhostUser.PROTOCOL_F_REPLY_ACK;

    /** Where started and stopped queues go: the port, which runs them on the loop. */
    public interface Queues {
        /** Queue {@code index} can run: kicks arrive on {@code kickFd} (-1: poll), interrupts go to {@code callFd}. */
        void started(int index, SplitQueue queue, int kickFd, int callFd);

        /**
         * Queue {@code index} must stop now; returns once the loop no longer touches it.
         *
         * @throws RuntimeException when that cannot be confirmed: the queue's memory must then stay mapped
         */
        void stopped(int index);

        /** The memory table changed or went away (null): the old one may be unmapped after this returns. */
        void memoryChanged(GuestMemory memory);
    }

    private static final class Vring {
        int size;
        long descUser;
        long availUser;
        long usedUser;
        boolean addressed;
        int base;
        int kickFd = -1;
        boolean kickSet;
        int callFd = -1;
        boolean enabled;
        SplitQueue running;
    }

    private static final System.Logger LOG = System.getLogger(VhostUserBackend.class.getName());
    private static final String EVENTFD = "anon_inode:[eventfd]";

    private final String name;
    private final Queues queues;
    private final Vring[] vrings = {new Vring(), new Vring()};
    private long features;
    private boolean featuresSet;
    private long protocolFeatures;
    private GuestMemory memory;
    /**
     * The memory a queue the loop never confirmed stopped may still read: it stays mapped (leaked) for the life of
     * the process, as do that queue's kick and call descriptors (never closed, so their numbers are not reused).
     */
    private GuestMemory pinnedMemory;

    public VhostUserBackend(String name, Queues queues) {
        this.name = name;
        this.queues = queues;
    }

    public GuestMemory memory() {
        return memory;
    }

    public long features() {
        return features;
    }

    /**
     * Handles one message.
     *
     * @return the reply payload, or null when the request has none (a REPLY_ACK, when asked for, is the caller's:
     *     {@link #wantsAck})
     * @throws ProtocolException when the message is invalid or asks for what the back-end cannot do
     */
    public byte[] handle(Message m) throws ProtocolException {
        try {
            return dispatch(m);
        } finally {
            m.closeUnclaimedFds();
        }
    }

    /** Whether {@code m} wants a REPLY_ACK (it asked, and the front-end negotiated the protocol feature). */
    public boolean wantsAck(Message m) {
        return m.needsReply() && (protocolFeatures & PROTOCOL_FEATURES) != 0
                && m.request() != VhostUser.GET_FEATURES && m.request() != VhostUser.GET_PROTOCOL_FEATURES
                && m.request() != VhostUser.GET_VRING_BASE && m.request() != VhostUser.GET_QUEUE_NUM;
    }

    private byte[] dispatch(Message m) throws ProtocolException {
        // Checked here too, whatever read the message: a front-end sends requests, each of its fixed size.
        if ((m.flags() & VhostUser.FLAG_REPLY) != 0) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " arrived flagged as a reply; a "
                    + "front-end sends requests");
        }
        final int expected = VhostUser.payloadBytes(m.request());
        if (expected >= 0 && m.payloadBytes() != expected) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + ": payload of " + m.payloadBytes()
                    + " bytes, expected " + expected);
        }
        switch (m.request()) {
            case VhostUser.GET_FEATURES:
                return u64(FEATURES);
            case VhostUser.SET_FEATURES:
                setFeatures(m.u64(0));
                return null;
            case VhostUser.GET_PROTOCOL_FEATURES:
                return u64(PROTOCOL_FEATURES);
            case VhostUser.SET_PROTOCOL_FEATURES: {
                long wanted = m.u64(0);
                if ((wanted & ~PROTOCOL_FEATURES) != 0) {
                    throw new ProtocolException(name + ": SET_PROTOCOL_FEATURES asks for bits 0x"
                            + Long.toHexString(wanted & ~PROTOCOL_FEATURES) + " the back-end does not offer");
                }
                protocolFeatures = wanted;
                return null;
            }
            case VhostUser.GET_QUEUE_NUM:
                return u64(1);
            case VhostUser.SET_OWNER:
            case VhostUser.NET_SET_MTU:
            case VhostUser.SEND_RARP:
                return null;
            case VhostUser.RESET_OWNER:
            case VhostUser.RESET_DEVICE:
                reset();
                return null;
            case VhostUser.SET_MEM_TABLE:
                setMemTable(m);
                return null;
            case VhostUser.SET_VRING_NUM: {
                Vring v = stoppedVring(m);
                int num = m.u32(4);
                if (num <= 0 || num > SplitQueue.MAX_SIZE || (num & (num - 1)) != 0) {
                    throw new ProtocolException(name + ": SET_VRING_NUM " + num + " is not a power of two from 1 to "
                            + SplitQueue.MAX_SIZE);
                }
                v.size = num;
                return null;
            }
            case VhostUser.SET_VRING_ADDR: {
                Vring v = stoppedVring(m);
                v.descUser = m.u64(8);
                v.usedUser = m.u64(16);
                v.availUser = m.u64(24);
                v.addressed = true;
                maybeStart(m.u32(0));
                return null;
            }
            case VhostUser.SET_VRING_BASE: {
                Vring v = stoppedVring(m);
                v.base = m.u32(4) & 0xffff;
                return null;
            }
            case VhostUser.GET_VRING_BASE: {
                int index = index(m.u32(0), m);
                Vring v = vrings[index];
                stop(index);
                v.kickSet = false;
                closeFd(v.kickFd);
                v.kickFd = -1;
                return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(index).putInt(v.base).array();
            }
            case VhostUser.SET_VRING_KICK:
            case VhostUser.SET_VRING_CALL:
            case VhostUser.SET_VRING_ERR:
                setVringFd(m);
                return null;
            case VhostUser.SET_VRING_ENABLE: {
                int index = index(m.u32(0), m);
                vrings[index].enabled = m.u32(4) != 0;
                if (vrings[index].enabled) {
                    maybeStart(index);
                } else {
                    stop(index);
                }
                return null;
            }
            default:
                throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " is not supported by this "
                        + "back-end (it offers no protocol feature that would send it)");
        }
    }

    private void setFeatures(long wanted) throws ProtocolException {
        if ((wanted & ~FEATURES) != 0) {
            throw new ProtocolException(name + ": SET_FEATURES asks for feature bits 0x"
                    + Long.toHexString(wanted & ~FEATURES) + " this back-end cannot honour (it offers 0x"
                    + Long.toHexString(FEATURES) + ")");
        }
        if ((wanted & 1L << VhostUser.VIRTIO_F_VERSION_1) == 0) {
            throw new ProtocolException(name + ": SET_FEATURES without VIRTIO_F_VERSION_1: legacy virtio (big-endian "
                    + "rings, no fixed header) is not supported; use a virtio 1.0 device (QEMU's default)");
        }
        features = wanted;
        featuresSet = true;
    }

    private void setMemTable(Message m) throws ProtocolException {
        if (m.payloadBytes() < 8) {
            throw new ProtocolException(name + ": SET_MEM_TABLE payload of " + m.payloadBytes() + " bytes");
        }
        int n = m.u32(0);
        if (n < 1 || n > GuestMemory.MAX_REGIONS || m.payloadBytes() != 8 + 32 * n || m.fdCount() != n) {
            throw new ProtocolException(name + ": SET_MEM_TABLE with " + n + " regions, " + m.payloadBytes()
                    + " payload bytes and " + m.fdCount() + " descriptors (expected 1 to " + GuestMemory.MAX_REGIONS
                    + " regions, 8 + 32 bytes each, one descriptor each)");
        }
        List<GuestMemory.Region> regions = new ArrayList<>();
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            int at = 8 + 32 * i;
            regions.add(new GuestMemory.Region(m.u64(at), m.u64(at + 8), m.u64(at + 16), m.u64(at + 24)));
            fds[i] = m.claimFd(i);
        }
        GuestMemory next;
        try {
            next = GuestMemory.map(name, regions, fds);
        } catch (IllegalArgumentException | io.uniswitch.tap.linux.NativeException e) {
            throw new ProtocolException(name + ": SET_MEM_TABLE: " + e.getMessage() + " (is the guest's memory "
                    + "shared? QEMU needs -object memory-backend-memfd,share=on)");
        } finally {
            for (int fd : fds) {
                Syscall.closeQuietly(fd);
            }
        }
        try {
            for (int i = 0; i < QUEUES; i++) {
                stop(i);
            }
        } catch (ProtocolException e) {
            next.close();
            throw e;
        }
        GuestMemory old = memory;
        memory = next;
        queues.memoryChanged(next);
        closeUnlessPinned(old);
        for (int i = 0; i < QUEUES; i++) {
            maybeStart(i);
        }
    }

    private void setVringFd(Message m) throws ProtocolException {
        long value = m.u64(0);
        if ((value & ~(VhostUser.VRING_INDEX_MASK | VhostUser.VRING_NOFD)) != 0) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " with reserved bits set: 0x"
                    + Long.toHexString(value));
        }
        int index = index((int) (value & VhostUser.VRING_INDEX_MASK), m);
        boolean noFd = (value & VhostUser.VRING_NOFD) != 0;
        if (noFd != (m.fdCount() == 0) || m.fdCount() > 1) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " for queue " + index
                    + " came with " + m.fdCount() + " descriptors but says " + (noFd ? "none" : "one"));
        }
        int fd = noFd ? -1 : m.claimFd(0);
        Vring v = vrings[index];
        if (m.request() == VhostUser.SET_VRING_ERR) {
            closeFd(fd);
            return;
        }
        boolean wasRunning = v.running != null;
        try {
            requireEventFd(fd, m, index);
            stop(index);
        } catch (ProtocolException e) {
            closeFd(fd);
            throw e;
        }
        if (m.request() == VhostUser.SET_VRING_CALL) {
            // A new call fd for a running queue: restart it so the loop signals the new one.
            closeFd(v.callFd);
            v.callFd = fd;
            if (wasRunning) {
                maybeStart(index);
            }
            return;
        }
        closeFd(v.kickFd);
        v.kickFd = fd;
        v.kickSet = true;
        // Without VHOST_USER_F_PROTOCOL_FEATURES a queue is enabled by its kick (spec: "Starting and stopping rings").
        if ((features & 1L << VhostUser.VHOST_USER_F_PROTOCOL_FEATURES) == 0) {
            v.enabled = true;
        }
        maybeStart(index);
    }

    private void maybeStart(int index) throws ProtocolException {
        Vring v = vrings[index];
        if (v.running != null || !v.enabled || !v.kickSet || !v.addressed || v.size == 0 || memory == null
                || !featuresSet) {
            return;
        }
        SplitQueue q;
        try {
            q = SplitQueue.setUp(memory, v.size, v.descUser, v.availUser, v.usedUser,
                    (features & 1L << VhostUser.VIRTIO_RING_F_EVENT_IDX) != 0,
                    (features & 1L << VhostUser.VIRTIO_RING_F_INDIRECT_DESC) != 0, v.base);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(name + ": queue " + index + ": " + e.getMessage());
        }
        v.running = q;
        queues.started(index, q, v.kickFd, v.callFd);
    }

    /**
     * Kicks and calls are eventfds (the spec's word, and what the loop reads and writes 8 bytes at a time): a pipe, a
     * socket or a file there would be read or written wrongly or block, so it is refused naming what it is.
     */
    private void requireEventFd(int fd, Message m, int index) throws ProtocolException {
        if (fd < 0) {
            return;
        }
        String what;
        try {
            what = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " for queue " + index
                    + ": cannot tell what descriptor " + fd + " is: " + e.getMessage());
        }
        if (!EVENTFD.equals(what)) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " for queue " + index
                    + " passed " + what + ", not an eventfd");
        }
    }

    private void stop(int index) throws ProtocolException {
        Vring v = vrings[index];
        if (v.running != null) {
            try {
                queues.stopped(index);
            } catch (RuntimeException e) {
                // The loop may still be in the queue: its memory and descriptors are left alone for good.
                pinnedMemory = memory;
                v.running = null;
                v.kickFd = -1;
                v.callFd = -1;
                v.kickSet = false;
                throw new ProtocolException(name + ": queue " + index + " could not be stopped: " + e.getMessage());
            }
            v.base = v.running.lastAvailIndex();
            v.running = null;
        }
    }

    /** The vring a SET_VRING_* message names; it must not be running (the front-end stops it first). */
    private Vring stoppedVring(Message m) throws ProtocolException {
        int index = index(m.u32(0), m);
        if (vrings[index].running != null) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " for queue " + index
                    + " while it runs (stop it with GET_VRING_BASE first)");
        }
        return vrings[index];
    }

    private int index(int index, Message m) throws ProtocolException {
        if (index < 0 || index >= QUEUES) {
            throw new ProtocolException(name + ": " + VhostUser.name(m.request()) + " for queue " + index
                    + ": this back-end has queues 0 (rx) and 1 (tx) only (multiqueue is off)");
        }
        return index;
    }

    /** Stops both queues and forgets everything but the memory table (RESET_OWNER, RESET_DEVICE, disconnect). */
    public void reset() {
        for (int i = 0; i < QUEUES; i++) {
            try {
                stop(i);
            } catch (ProtocolException e) {
                LOG.log(System.Logger.Level.ERROR, e.getMessage());
            }
            Vring v = vrings[i];
            closeFd(v.kickFd);
            closeFd(v.callFd);
            vrings[i] = new Vring();
        }
        featuresSet = false;
        features = 0;
        protocolFeatures = 0;
    }

    /** Resets and unmaps the memory: the connection is gone. */
    public void close() {
        reset();
        if (memory != null) {
            queues.memoryChanged(null);
            closeUnlessPinned(memory);
            memory = null;
        }
    }

    private void closeUnlessPinned(GuestMemory m) {
        if (m == null) {
            return;
        }
        if (m == pinnedMemory) {
            LOG.log(System.Logger.Level.ERROR, name + ": the guest's memory (" + m.describe() + ") stays mapped: the "
                    + "data plane did not confirm it stopped using it");
            return;
        }
        m.close();
    }

    private static void closeFd(int fd) {
        Syscall.closeQuietly(fd);
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }
}
