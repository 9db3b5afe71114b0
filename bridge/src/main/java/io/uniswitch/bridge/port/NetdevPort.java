package io.uniswitch.bridge.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.frame.VnetHeader;
import io.uniswitch.tap.device.PacketRing;
import io.uniswitch.tap.device.PacketSocket;
import io.uniswitch.tap.device.SendBatch;
import io.uniswitch.tap.linux.NativeException;

/**
 * A port on an existing interface, reached through an AF_PACKET socket bound to it in promiscuous mode, as the kernel
 * bridge reaches its members: the uplink, a veth, or a tap whose fd a tender holds. The socket ignores the frames it
 * sends itself, so the switch never reads back its own output.
 *
 * <p>Receive: if the socket has a ring ({@link PacketSocket#ring()}), each frame is copied out of the ring into a
 * pooled buffer with no system call; otherwise one read() per frame. Transmit: with batching on (the default), up to
 * {@link SendBatch#MAX_FRAMES} queued frames go out per sendmmsg; otherwise one write() per frame.
 *
 * <p>Loop thread only, like every port. Ownership: frames taken off the egress queue for a sendmmsg are held in a
 * staging array until the kernel took or refused them; they count as pending, and a port that goes down or closes
 * releases them as PORT_DOWN.
 */
public final class NetdevPort extends FdPort {
    public static final String TYPE = "netdev";
    /**
     * Default receive ring per port: 8 MiB, the memory of the 256 KB x 32 V3 ring that did best for a C forwarder
     * here; as V2 slots of 2 KiB (MTU 1500) that is 4096 frames, about 12 ms of a saturated 1 Gbit/s port.
     */
    public static final int RING_BYTES = 8 * 1024 * 1024;
    /** Default receive ring per port in offload mode vnet: 255 slots of 128 KiB, one GSO super-frame each. */
    public static final int VNET_RING_BYTES = 32 * 1024 * 1024;

    private final PacketSocket socket;
    private final FrameWriter writer;
    private final SendBatch sendBatch;
    private final ByteBuf[] staged;
    /** Staged frames {@code [sendFrom, sendBatch.size())} are not yet sent. */
    private int sendFrom;

    /** A port that sends in batches (sendmmsg). */
    public NetdevPort(PacketSocket socket, int mtuBytes, int queueFrames, ByteBufAllocator allocator) {
        this(socket, mtuBytes, queueFrames, allocator, true);
    }

    /** @param batchedTx send up to 64 frames per sendmmsg; false sends one write() per frame */
    public NetdevPort(PacketSocket socket, int mtuBytes, int queueFrames, ByteBufAllocator allocator,
            boolean batchedTx) {
        this(TYPE, socket, mtuBytes, queueFrames, allocator, batchedTx);
    }

    /**
     * A port of another type that attaches its interface the same way, e.g. {@code tender}: a tap the switch
     * provisioned and a tender holds.
     *
     * @param type the port type shown to operators and in metrics
     */
    public NetdevPort(String type, PacketSocket socket, int mtuBytes, int queueFrames, ByteBufAllocator allocator,
            boolean batchedTx) {
        this(type, socket, mtuBytes, queueFrames, allocator, batchedTx, false);
    }

    /**
     * @param vnetHdr the socket was opened with PACKET_VNET_HDR (offload mode vnet): frames come and go with their
     *     virtio_net_hdr, GSO super-frames included
     */
    public NetdevPort(String type, PacketSocket socket, int mtuBytes, int queueFrames, ByteBufAllocator allocator,
            boolean batchedTx, boolean vnetHdr) {
        super(socket.interfaceName(), type, mtuBytes, queueFrames, allocator, vnetHdr ? VnetHeader.BYTES : 0);
        this.socket = socket;
        this.writer = socket::write;
        this.sendBatch = batchedTx ? new SendBatch() : null;
        this.staged = batchedTx ? new ByteBuf[SendBatch.MAX_FRAMES] : null;
    }

    /**
     * The receive ring of a port in offload mode vnet: slots of 128 KiB (a GSO super-frame of up to 64 KiB with its
     * header each), about ringBytes in all ({@link #VNET_RING_BYTES} by default).
     */
    public static PacketRing.Config vnetRing(int ringBytes) {
        return PacketRing.Config.v2(MAX_GSO_FRAME_BYTES + VnetHeader.BYTES + 1, ringBytes);
    }

    /**
     * The receive ring of a netdev port of this MTU: TPACKET_V2 slots sized for the largest frame the port accepts
     * plus one byte (so a longer one is seen as over-long and dropped), about ringBytes in all ({@link #RING_BYTES}
     * by default). V2 rather than V3: a V3 block reaches the reader only when full or after its retire timeout (1 ms
     * at least), which a lone frame (ping, ACK, handshake) would wait out on every hop.
     */
    public static PacketRing.Config ring(int mtuBytes, int ringBytes) {
        return PacketRing.Config.v2(mtuBytes + L2_OVERHEAD_BYTES + 1, ringBytes);
    }

    public PacketSocket socket() {
        return socket;
    }

    @Override
    public FileDescriptor fileDescriptor() {
        return socket.fileDescriptor();
    }

    @Override
    public boolean rxPendingVisible() {
        return socket.ring() != null;
    }

    @Override
    public boolean rxPending() {
        return socket.ring().hasFrame();
    }

    @Override
    protected int nextFrameBytes() {
        final PacketRing ring = socket.ring();
        return ring == null ? -1 : ring.peekBytes();
    }

    @Override
    protected int readFrame(ByteBuf dst) {
        return socket.read(dst);
    }

    /** Takes the socket's pending error, so EPOLLERR stops; ENETDOWN (link down) is counted, not fatal. */
    @Override
    public void onErrorEvent() {
        final int errno = socket.takeError();
        if (errno != 0) {
            reportReadError(NativeException.of("read", name(), errno));
        }
    }

    @Override
    protected int writeFrame(ByteBuf frame) {
        return writeWithVnetHeader(writer, frame);
    }


    /**
     * Moves up to 64 frames from the egress queue to the staging batch, sends them with one sendmmsg, and repeats
     * until the queue is empty or the socket would block. A frame the kernel refuses is released and counted as
     * TX_ERROR, and sending goes on with the next one, as {@link Port#flush()} does.
     */
    @Override
    protected int writeQueued() {
        final SendBatch batch = sendBatch;
        if (batch == null) {
            return super.writeQueued();
        }
        final ByteBuf[] frames = staged;
        final EgressQueue queue = egressQueue();
        final PortCounters c = counters();
        final PacketSocket s = socket;
        final int vnet = vnetBytes();
        int written = 0;
        while (true) {
            if (sendFrom == batch.size()) {
                for (int i = 0; i < sendFrom; i++) {
                    frames[i] = null;
                }
                batch.clear();
                sendFrom = 0;
                ByteBuf f;
                while (!batch.isFull() && (f = queue.poll()) != null) {
                    frames[batch.size()] = f;
                    batch.add(f, vnet);
                }
                if (batch.size() == 0) {
                    return written;
                }
            }
            final int n = s.send(batch, sendFrom);
            if (n == 0) {
                return written;
            }
            if (n > 0) {
                final int end = sendFrom + n;
                long bytes = 0;
                for (int i = sendFrom; i < end; i++) {
                    bytes += batch.sentBytes(i) - vnet;
                    frames[i].release();
                    frames[i] = null;
                }
                c.txFrames += n;
                c.txBytes += bytes;
                written += n;
                sendFrom = end;
            } else {
                frames[sendFrom].release();
                frames[sendFrom] = null;
                c.drop(DropReason.TX_ERROR);
                sendFrom++;
            }
        }
    }

    @Override
    public boolean hasPendingTx() {
        return (sendBatch != null && sendFrom < sendBatch.size()) || super.hasPendingTx();
    }

    @Override
    public void setUp(boolean up) {
        super.setUp(up);
        if (!up) {
            dropStaged();
        }
    }

    private void dropStaged() {
        if (sendBatch == null) {
            return;
        }
        final int size = sendBatch.size();
        for (int i = sendFrom; i < size; i++) {
            staged[i].release();
            staged[i] = null;
            counters().drop(DropReason.PORT_DOWN);
        }
        for (int i = 0; i < sendFrom; i++) {
            staged[i] = null;
        }
        sendBatch.clear();
        sendFrom = 0;
    }

    @Override
    protected void closeDevice() {
        dropStaged();
        super.closeDevice();
        socket.close();
    }
}
