package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.tap.linux.NativeException;

/**
 * A port over one non-blocking file descriptor that carries one Ethernet frame per read() and write().
 *
 * <p>Owned by the loop thread after {@code attach}: receive, transmit and flush run there only. A read goes into a
 * pooled direct buffer sized for the largest frame the port accepts plus one byte, so a frame that does not fit
 * (an offload super-frame that slipped through) is seen as over-long and dropped as {@link DropReason#FRAME_TOO_LARGE}
 * rather than forwarded truncated. The buffer of a read that found nothing is kept for the next read, so an empty
 * poll allocates nothing.
 */
public abstract class FdPort extends Port {
    /** Ethernet header plus one 802.1Q tag: what a frame adds to the MTU. */
    public static final int L2_OVERHEAD_BYTES = 18;

    private final ByteBufAllocator allocator;
    /** A GSO super-frame: 64 KiB of IP packet plus an Ethernet header and a VLAN tag. */
    public static final int MAX_GSO_FRAME_BYTES = 65535 + L2_OVERHEAD_BYTES;

    private final int readBufferBytes;
    private final int maxFrameBytes;
    private final int vnetBytes;
    private WriteInterest writeInterest = WriteInterest.NONE;
    private ByteBuf spare;
    /** vnet mode, device of unknown frame size: frames are read here, then copied into a buffer of their size. */
    private ByteBuf scratch;
    private NativeException readError;

    /** Asks the event loop to watch the fd for writability (EPOLLOUT) while frames wait in the egress queue. */
    public interface WriteInterest {
        WriteInterest NONE = wanted -> { };

        void writeWanted(boolean wanted);
    }

    protected FdPort(String name, String type, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        this(name, type, mtuBytes, queueFrames, allocator, 0);
    }

    /**
     * @param vnetBytes 0, or {@link io.uniswitch.bridge.frame.VnetHeader#BYTES} when the device reads and writes a
     *     virtio_net_hdr before each frame (offload mode vnet): frames may then be GSO super-frames of up to 64 KiB,
     *     and each received buffer keeps the header just before its reader index
     */
    protected FdPort(String name, String type, int mtuBytes, int queueFrames, ByteBufAllocator allocator,
            int vnetBytes) {
        super(name, type, mtuBytes, queueFrames);
        this.allocator = allocator;
        this.vnetBytes = vnetBytes;
        this.maxFrameBytes = vnetBytes > 0 ? MAX_GSO_FRAME_BYTES : mtuBytes + L2_OVERHEAD_BYTES;
        this.readBufferBytes = vnetBytes + maxFrameBytes + 1;
    }

    /** Bytes of vnet header before each frame: 0, or 10 in offload mode vnet. */
    public final int vnetBytes() {
        return vnetBytes;
    }

    /**
     * The bytes the next {@link #readFrame} will write (header and frame), 0 when nothing is ready, or -1 when the
     * device cannot tell; lets receive allocate exactly instead of a buffer for the largest frame.
     */
    protected int nextFrameBytes() {
        return -1;
    }

    /**
     * True when {@link #rxPending} tells from memory the device shares with the kernel (a receive ring), without a
     * system call, whether a frame waits: the loop then polls this port by looking rather than through epoll.
     */
    public boolean rxPendingVisible() {
        return false;
    }

    /** Whether a frame waits to be received. Meaningful only when {@link #rxPendingVisible}; loop thread. */
    public boolean rxPending() {
        return false;
    }

    /** The fd to register on the event loop. */
    public abstract FileDescriptor fileDescriptor();

    /** Reads one frame into dst at its writer index; returns bytes read, 0 when nothing is ready. */
    protected abstract int readFrame(ByteBuf dst);

    /** A device's one-frame write from a buffer's readable bytes (a tap fd, a packet socket): bytes, 0 or -1. */
    protected interface FrameWriter {
        int write(ByteBuf frame);
    }

    /**
     * Writes frame through device with its vnet header first when the port carries them (offload mode vnet): the
     * header sits just before the reader index, which moves for this synchronous call only (the loop is
     * single-threaded, and a flooded frame is shared by several ports, so it is put back before anyone else sees
     * it). Returns what device returned, less the header's bytes.
     */
    protected final int writeWithVnetHeader(FrameWriter device, ByteBuf frame) {
        final int vnet = vnetBytes;
        if (vnet == 0) {
            return device.write(frame);
        }
        final int readerIndex = frame.readerIndex();
        frame.readerIndex(readerIndex - vnet);
        try {
            final int n = device.write(frame);
            return n > 0 ? n - vnet : n;
        } finally {
            frame.readerIndex(readerIndex);
        }
    }

    public final void setWriteInterest(WriteInterest writeInterest) {
        this.writeInterest = writeInterest;
    }

    @Override
    public int receive(FrameBatch batch) {
        final PortCounters c = counters();
        final int max = batch.remaining();
        int n = 0;
        final int vnet = vnetBytes;
        while (n < max) {
            final int exact = nextFrameBytes();
            if (exact == 0) {
                break;
            }
            // A device that cannot tell the size of its next frame, with vnet headers (a tap): a frame may be up to
            // 64 KiB, but a pooled 64 KiB buffer per frame costs far more than copying the frame once out of a
            // scratch buffer kept for the purpose (measured: the demo's TCP fell from 0.8 to 0.2-0.6 Gbit/s).
            final boolean viaScratch = exact < 0 && vnet > 0;
            ByteBuf buf;
            if (exact > 0) {
                buf = allocator.directBuffer(exact, exact);
            } else if (viaScratch) {
                if (scratch == null) {
                    scratch = allocator.directBuffer(readBufferBytes, readBufferBytes);
                }
                buf = scratch.clear();
            } else {
                buf = spare;
                spare = null;
                if (buf == null) {
                    buf = allocator.directBuffer(readBufferBytes, readBufferBytes);
                } else {
                    buf.clear();
                }
            }
            int bytes;
            try {
                bytes = readFrame(buf);
            } catch (NativeException e) {
                // A device error (ENETDOWN while the link is down, ENXIO when it is gone) ends this batch; the
                // loop decides from readError() whether the port survives. Rare by nature: not a per-frame cost.
                if (!viaScratch) {
                    buf.release();
                }
                c.errors++;
                readError = e;
                break;
            }
            if (bytes <= 0) {
                if (exact > 0) {
                    buf.release();
                } else if (!viaScratch) {
                    spare = buf;
                }
                break;
            }
            final int frameBytes = bytes - vnet;
            if (frameBytes > maxFrameBytes || frameBytes < 0) {
                if (!viaScratch) {
                    buf.release();
                }
                c.drop(DropReason.FRAME_TOO_LARGE);
                continue;
            }
            if (viaScratch) {
                final ByteBuf frame = allocator.directBuffer(bytes, bytes);
                frame.writeBytes(buf, buf.readerIndex(), bytes);
                buf = frame;
            }
            if (vnet > 0) {
                buf.readerIndex(buf.readerIndex() + vnet);
            }
            c.rxFrames++;
            c.rxBytes += frameBytes;
            batch.add(buf);
            n++;
        }
        return n;
    }

    /**
     * Called by the loop when epoll reports EPOLLERR on the fd, before it reads. Devices whose errors no read()
     * collects (a packet socket with a ring) take the error here and report it with {@link #reportReadError}.
     */
    public void onErrorEvent() {
    }

    /** Counts a device error and hands it to the loop through {@link #takeReadError()}. Not per frame. */
    protected final void reportReadError(NativeException e) {
        counters().errors++;
        readError = e;
    }

    /** The device error that ended the last receive, cleared by this call; null if none. */
    public final NativeException takeReadError() {
        NativeException e = readError;
        readError = null;
        return e;
    }

    @Override
    public int flush() {
        int written = writeQueued();
        writeInterest.writeWanted(hasPendingTx());
        return written;
    }

    /**
     * Writes queued frames with the accounting of {@link Port#flush()}; returns frames written. By default one
     * {@link #writeFrame} per frame; a device that can write in batches overrides this.
     */
    protected int writeQueued() {
        return super.flush();
    }

    @Override
    protected void closeDevice() {
        if (spare != null) {
            spare.release();
            spare = null;
        }
        if (scratch != null) {
            scratch.release();
            scratch = null;
        }
    }
}
