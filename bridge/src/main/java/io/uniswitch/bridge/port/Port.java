package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;

/**
 * A numbered member of the switch: receives frames into batches and sends frames through a bounded egress queue.
 *
 * <p>Thread: one loop thread owns the port and alone calls every method except the accessors of immutable fields.
 * Ownership: {@link #receive} hands each frame to the caller; {@link #transmit} always takes the frame and either
 * queues it or releases it and counts the drop; {@link #flush} releases each frame once its device has written it
 * (or failed to); {@link #close} releases what is still queued. So every frame is released exactly once, by the
 * port or by whoever it handed the frame to.
 *
 * <p>Subclasses supply the device: {@link #receive}, {@link #writeFrame} and {@link #closeDevice}. They may override
 * {@link #flush} to write in batches (sendmmsg), keeping its accounting.
 */
public abstract class Port implements AutoCloseable {
    /** Frames queued per egress port by default: about 1.5 MB of 1500-byte frames. */
    public static final int DEFAULT_EGRESS_QUEUE_CAPACITY = 1024;
    /** {@link #index()} of a port no engine has attached. */
    public static final int UNATTACHED = -1;

    /** {@link #pinnedSrcMac()} of a port that accepts any source MAC. */
    public static final long NO_PINNED_MAC = -1;

    /** {@link #writeFrame} result: the device would block; the frame stays queued. */
    protected static final int WOULD_BLOCK = 0;
    /** {@link #writeFrame} result: the device refused the frame; it is released and counted as TX_ERROR. */
    protected static final int WRITE_FAILED = -1;

    private final String name;
    private final String type;
    private final int mtuBytes;
    private final PortCounters counters = new PortCounters();
    private final EgressQueue egressQueue;
    private int index = UNATTACHED;
    private boolean up = true;
    private boolean closed;
    /** The only source MAC accepted on ingress (48 bits), or {@link #NO_PINNED_MAC}; see {@link #setPinnedSrcMac}. */
    private long pinnedSrcMac = NO_PINNED_MAC;
    /** Loop thread only; null unless a capture is running on this port. */
    private CaptureTap captureTap;

    /**
     * @param name unique port name, e.g. {@code tap100}
     * @param type port type, e.g. {@code tap}, {@code netdev}, {@code memory}
     * @param mtuBytes largest payload after the Ethernet header (and 802.1Q tag) this port sends
     * @param egressQueueCapacity frames, rounded up to a power of two
     */
    protected Port(String name, String type, int mtuBytes, int egressQueueCapacity) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("port name '" + name + "': expected a non-empty name");
        }
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("port " + name + " type '" + type + "': expected a non-empty type");
        }
        if (mtuBytes < 1) {
            throw new IllegalArgumentException("port " + name + " mtuBytes " + mtuBytes + ": expected >= 1");
        }
        this.name = name;
        this.type = type;
        this.mtuBytes = mtuBytes;
        this.egressQueue = new EgressQueue(egressQueueCapacity);
    }

    protected Port(String name, String type, int mtuBytes) {
        this(name, type, mtuBytes, DEFAULT_EGRESS_QUEUE_CAPACITY);
    }

    public final String name() {
        return name;
    }

    public final String type() {
        return type;
    }

    public final int mtuBytes() {
        return mtuBytes;
    }

    /** The index the engine assigned, or {@link #UNATTACHED}. */
    public final int index() {
        return index;
    }

    /** Called by the engine on attach ({@code index >= 0}) and detach ({@link #UNATTACHED}); no one else. */
    public final void assignIndex(int index) {
        if (index < UNATTACHED) {
            throw new IllegalArgumentException("port " + name + " index " + index + ": expected >= -1");
        }
        this.index = index;
    }

    public final PortCounters counters() {
        return counters;
    }

    protected final EgressQueue egressQueue() {
        return egressQueue;
    }

    public boolean isUp() {
        return up;
    }

    /** The only source MAC this port may send into the switch, or {@link #NO_PINNED_MAC}. */
    public final long pinnedSrcMac() {
        return pinnedSrcMac;
    }

    /**
     * Pins the port to one source MAC (anti-spoofing, e.g. a unikernel started with {@code --net-mac}): the engine
     * drops every frame received here from any other source as SPOOFED_SRC_MAC, before learning it. Set before the
     * port is attached, or on the loop thread.
     *
     * @param mac a unicast MAC in the low 48 bits, or {@link #NO_PINNED_MAC} to accept any source
     */
    public final void setPinnedSrcMac(long mac) {
        if (mac != NO_PINNED_MAC && (mac < 0 || mac > 0xFFFF_FFFF_FFFFL)) {
            throw new IllegalArgumentException("port " + name + " pinned MAC " + Long.toHexString(mac)
                    + ": expected 48 bits or NO_PINNED_MAC");
        }
        this.pinnedSrcMac = mac;
    }

    public final boolean isClosed() {
        return closed;
    }

    /**
     * Sets the administrative state. A down port receives nothing into the switch and sends nothing: frames for it
     * are dropped as PORT_DOWN, including those still queued when it goes down.
     *
     * @throws IllegalStateException when bringing a closed port up
     */
    public void setUp(boolean up) {
        if (up && closed) {
            throw new IllegalStateException("port " + name + " is closed: make a new port instead of bringing it up");
        }
        this.up = up;
        if (!up) {
            dropQueued();
        }
    }

    /**
     * Appends at most {@code batch.remaining()} received frames and returns how many; 0 means the device would block.
     * The caller owns each frame. Counts rxFrames and rxBytes.
     */
    public abstract int receive(FrameBatch batch);

    /**
     * Called by the engine once a batch this port received has been forwarded and every egress port flushed (also
     * after an empty receive). A port whose frames borrow the device's memory ends the loan here, once per batch
     * rather than per frame: it gives the device back what was sent and copies what an egress port still holds. Does
     * nothing by default.
     */
    public void afterForward() {
    }

    /**
     * Takes the frame: queues it, or releases it and counts PORT_DOWN (port down) or TX_QUEUE_FULL. Never throws.
     * A running capture copies each frame once it is queued, so it sees what the port was given to send, less
     * TX_QUEUE_FULL drops; a frame the device later refuses (TX_ERROR) still appears in it.
     */
    public void transmit(ByteBuf frame) {
        if (!up) {
            frame.release();
            counters.drop(DropReason.PORT_DOWN);
        } else if (!egressQueue.offer(frame)) {
            frame.release();
            counters.drop(DropReason.TX_QUEUE_FULL);
        } else {
            // Off: one field load and a not-taken branch per queued frame.
            final CaptureTap tap = captureTap;
            if (tap != null) {
                tap.captureTx(frame);
            }
        }
    }

    /** The running capture of this port, or null. Loop thread only. */
    public final CaptureTap captureTap() {
        return captureTap;
    }

    /**
     * Starts (non-null) or stops (null) mirroring this port's frames: those it receives (the engine copies them at
     * ingress) and those it is given to send. A tap replaced or removed here is {@link CaptureTap#detach detached}.
     * Loop thread only.
     */
    public final void setCaptureTap(CaptureTap tap) {
        final CaptureTap old = captureTap;
        captureTap = tap;
        if (old != null && old != tap) {
            old.detach();
        }
    }

    /**
     * Writes queued frames until the device would block or the queue is empty; returns frames written. Counts
     * txFrames and txBytes, and TX_ERROR for frames the device refused. The loop arms EPOLLOUT when
     * {@link #hasPendingTx()} is still true afterwards.
     */
    public int flush() {
        final EgressQueue queue = egressQueue;
        final PortCounters c = counters;
        int written = 0;
        ByteBuf f;
        while ((f = queue.peek()) != null) {
            int bytes = writeFrame(f);
            if (bytes == WOULD_BLOCK) {
                break;
            }
            queue.poll();
            if (bytes > 0) {
                c.txFrames++;
                c.txBytes += bytes;
                written++;
            } else {
                c.drop(DropReason.TX_ERROR);
            }
            f.release();
        }
        return written;
    }

    public boolean hasPendingTx() {
        return !egressQueue.isEmpty();
    }

    /**
     * Writes one frame to the device without releasing it or changing its indices (the buffer may be shared by a
     * flood: read the absolute range from readerIndex). Frames from the engine are never empty.
     *
     * @return bytes written; {@link #WOULD_BLOCK} to keep the frame queued; {@link #WRITE_FAILED} (any negative) to
     *     drop it as TX_ERROR
     */
    protected abstract int writeFrame(ByteBuf f);

    /** Closes the device; called once, by {@link #close()}, after the queued frames were released. */
    protected abstract void closeDevice();

    /** Idempotent: takes the port down, releases queued frames (counted as PORT_DOWN), then closes the device. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        up = false;
        setCaptureTap(null);
        dropQueued();
        closeDevice();
    }

    private void dropQueued() {
        ByteBuf f;
        while ((f = egressQueue.poll()) != null) {
            f.release();
            counters.drop(DropReason.PORT_DOWN);
        }
    }

    @Override
    public String toString() {
        return type + " port " + name + " (index " + index + ")";
    }
}
