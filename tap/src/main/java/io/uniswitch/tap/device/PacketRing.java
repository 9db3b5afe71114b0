package io.uniswitch.tap.device;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.unix.Buffer;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.IfPacket;
import io.uniswitch.tap.linux.Mman;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Syscall;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * The receive ring (PACKET_RX_RING) of one AF_PACKET socket, mapped into this process: the kernel writes each frame
 * the socket receives into the ring, and {@link #read} copies it out, with no system call per frame.
 *
 * <p>Two layouts, chosen by {@link Config#version()}:
 * <ul>
 *   <li>TPACKET_V2: fixed frame slots, each with its own status word; the kernel wakes the reader for every frame,
 *       so a lone frame (a ping, an ACK) is readable at once.</li>
 *   <li>TPACKET_V3: variable-size frames packed into blocks; the kernel hands a block over only when it is full or
 *       its retire timer fires, and wakes the reader once per block. Dense traffic costs fewer wakeups, but a lone
 *       frame waits up to {@link Config#retireTimeoutMs()}.</li>
 * </ul>
 *
 * <p>Invariant: slots (V2) or blocks (V3) are consumed and given back strictly in ring order, which is the order the
 * kernel fills them; a slot or block is given back (status set to TP_STATUS_KERNEL with release semantics) right
 * after its last frame was copied out, so the kernel never waits for the switch's egress queues. The copy costs one
 * memcpy per frame and keeps buffer ownership simple (every frame lives in the caller's own pooled buffer).
 *
 * <p>Thread: {@link #read} on the single loop thread that reads the socket; setup and {@link #close} on the control
 * thread after the loop let go of the socket. Buffers: the caller's, never kept.
 */
public final class PacketRing {
    /** Frame-header reads and status hand-over need ordered access to the shared ring memory. */
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final int VLAN_TAG_BYTES = 4;
    private static final int MAC_ADDRESSES_BYTES = 12;
    private static final short ETH_P_8021Q = (short) 0x8100;
    /** struct virtio_net_hdr: flags @0 (NEEDS_CSUM = 1), csum_start @6 (little-endian). */
    public static final int VNET_HDR_BYTES = 10;
    private static final int VNET_F_NEEDS_CSUM = 1;
    private static final int VNET_CSUM_START = 6;

    /**
     * Ring geometry.
     *
     * @param version {@link IfPacket#TPACKET_V2} or {@link IfPacket#TPACKET_V3}
     * @param blockBytes a multiple of the page size (4096)
     * @param blockCount blocks in the ring
     * @param frameBytes V2: slot size, a multiple of 16 dividing blockBytes, header (~80 B) plus the largest frame;
     *     V3: the nominal size the kernel validates (frames are packed at their real size)
     * @param retireTimeoutMs V3 only: how long a partly filled block waits before the kernel hands it over
     */
    public record Config(int version, int blockBytes, int blockCount, int frameBytes, int retireTimeoutMs) {
        /** Room a V2 slot needs before the frame: tpacket2_hdr, sockaddr_ll and alignment (tp_mac is 66 for 14 B). */
        static final int V2_SLOT_OVERHEAD_BYTES = 128;
        private static final int PAGE_BYTES = 4096;

        public Config {
            if (version != IfPacket.TPACKET_V2 && version != IfPacket.TPACKET_V3) {
                throw new IllegalArgumentException("packet ring version " + version + ": expected TPACKET_V2 ("
                        + IfPacket.TPACKET_V2 + ") or TPACKET_V3 (" + IfPacket.TPACKET_V3 + ")");
            }
            if (blockBytes < PAGE_BYTES || blockBytes % PAGE_BYTES != 0) {
                throw new IllegalArgumentException("packet ring blockBytes " + blockBytes
                        + ": expected a multiple of " + PAGE_BYTES);
            }
            if (frameBytes < V2_SLOT_OVERHEAD_BYTES || frameBytes % IfPacket.TPACKET_ALIGNMENT != 0
                    || blockBytes % frameBytes != 0) {
                throw new IllegalArgumentException("packet ring frameBytes " + frameBytes + ": expected a multiple of "
                        + IfPacket.TPACKET_ALIGNMENT + " of at least " + V2_SLOT_OVERHEAD_BYTES + " that divides "
                        + "blockBytes " + blockBytes);
            }
            if (blockCount < 1 || (long) blockBytes * blockCount > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("packet ring blockCount " + blockCount + ": expected 1 to "
                        + Integer.MAX_VALUE / blockBytes + " for blockBytes " + blockBytes);
            }
            if (version == IfPacket.TPACKET_V3 && (retireTimeoutMs < 1 || retireTimeoutMs > 1000)) {
                throw new IllegalArgumentException("packet ring retireTimeoutMs " + retireTimeoutMs
                        + ": expected 1 to 1000");
            }
        }

        /** A V2 ring of about {@code ringBytes} whose slots hold frames up to maxFrameBytes. */
        public static Config v2(int maxFrameBytes, int ringBytes) {
            final int frame = Math.max(2048, Integer.highestOneBit(maxFrameBytes + V2_SLOT_OVERHEAD_BYTES - 1) << 1);
            final int block = Math.max(frame, 64 * 1024);
            return new Config(IfPacket.TPACKET_V2, block, Math.max(1, ringBytes / block), frame, 0);
        }

        /** A V3 ring of blockCount blocks of blockBytes. */
        public static Config v3(int blockBytes, int blockCount, int retireTimeoutMs) {
            return new Config(IfPacket.TPACKET_V3, blockBytes, blockCount, 2048, retireTimeoutMs);
        }

        public int ringBytes() {
            return blockBytes * blockCount;
        }

        int frameCount() {
            return blockBytes / frameBytes * blockCount;
        }
    }

    private final String interfaceName;
    private final Config config;
    private final boolean v3;
    private final long address;
    private final int ringBytes;
    /** The mapping, for the status words and header fields; native byte order. */
    private final ByteBuffer ring;
    /** The same mapping as a ByteBuf, for copying frames out with Netty's memcpy. */
    private final ByteBuf ringBuf;
    private final int slotBytes;
    private final int slotCount;
    /** V2: next slot to read. V3: block being read or next to read. */
    private int slot;
    /** V3: frames left in the current block (0: no block open) and offset of the next frame header. */
    private int framesLeft;
    private int frameAt;
    private boolean closed;
    /** PACKET_VNET_HDR: a 10-byte virtio_net_hdr precedes each frame in the ring, and is copied out before it. */
    private final boolean vnetHdr;

    private PacketRing(String interfaceName, Config config, long address, boolean vnetHdr) {
        this.interfaceName = interfaceName;
        this.vnetHdr = vnetHdr;
        this.config = config;
        this.v3 = config.version() == IfPacket.TPACKET_V3;
        this.address = address;
        this.ringBytes = config.ringBytes();
        this.ring = Buffer.wrapMemoryAddressWithNativeOrder(address, ringBytes);
        this.ringBuf = Unpooled.wrappedBuffer(Buffer.wrapMemoryAddressWithNativeOrder(address, ringBytes));
        this.slotBytes = v3 ? config.blockBytes() : config.frameBytes();
        this.slotCount = v3 ? config.blockCount() : config.frameCount();
    }

    /**
     * Sets PACKET_VERSION and PACKET_RX_RING on fd and maps the ring. Must come after the other SOL_PACKET options
     * and before bind (the kernel refuses PACKET_VNET_HDR and a second version once a ring exists).
     */
    static PacketRing map(int fd, Config config, String ifname, boolean vnetHdr) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("packet ring: only little-endian hosts are supported");
        }
        final Pointer version = Syscall.allocate(Integer.BYTES);
        version.putInt(0, config.version());
        if (Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_VERSION, version, Integer.BYTES) < 0) {
            throw NativeException.of("PACKET_VERSION", ifname, Syscall.errno());
        }
        final boolean v3 = config.version() == IfPacket.TPACKET_V3;
        final int reqBytes = v3 ? IfPacket.TPACKET_REQ3_SIZE : IfPacket.TPACKET_REQ_SIZE;
        final Pointer req = Syscall.allocate(reqBytes);
        req.putInt(IfPacket.REQ_BLOCK_SIZE, config.blockBytes());
        req.putInt(IfPacket.REQ_BLOCK_NR, config.blockCount());
        req.putInt(IfPacket.REQ_FRAME_SIZE, config.frameBytes());
        req.putInt(IfPacket.REQ_FRAME_NR, config.frameCount());
        if (v3) {
            req.putInt(IfPacket.REQ3_RETIRE_BLK_TOV, config.retireTimeoutMs());
        }
        if (Syscall.LIBC.setsockopt(fd, IfPacket.SOL_PACKET, IfPacket.PACKET_RX_RING, req, reqBytes) < 0) {
            final int errno = Syscall.errno();
            throw new NativeException("PACKET_RX_RING", ifname, errno, errno == Errno.ENOMEM
                    ? "cannot allocate a " + config.ringBytes() + "-byte ring; use smaller or fewer blocks"
                    : errno == Errno.EINVAL ? "ring geometry refused: " + config : NativeException.defaultHint(errno));
        }
        final long address = Syscall.LIBC.mmap(null, config.ringBytes(), Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_SHARED | Mman.MAP_POPULATE, fd, 0);
        if (address == Mman.MAP_FAILED) {
            throw NativeException.of("mmap packet ring", ifname, Syscall.errno());
        }
        return new PacketRing(ifname, config, address, vnetHdr);
    }

    public Config config() {
        return config;
    }

    /**
     * Copies the next frame in the ring to dst at its writerIndex and advances the writerIndex. A frame the kernel
     * had stripped an 802.1Q tag from (tag offload) gets its tag back, 4 bytes more. A frame that does not fit in
     * dst's writable bytes, or that the ring truncated, is consumed but not copied, and the result is larger than
     * dst's writable bytes: the caller sees it as over-long.
     *
     * @return the frame's length, or 0 when the ring holds no frame
     */
    public int read(ByteBuf dst) {
        return v3 ? readV3(dst) : readV2(dst);
    }

    /**
     * Whether {@link #read} would find a frame now, read from the ring's status word alone (no system call, no
     * side effect): what a busy-polling loop checks between epoll calls.
     */
    public boolean hasFrame() {
        if (v3) {
            return framesLeft > 0 || ((int) INT.getAcquire(ring, slot * slotBytes + IfPacket.BLOCK_STATUS)
                    & IfPacket.TP_STATUS_USER) != 0;
        }
        return ((int) INT.getAcquire(ring, slot * slotBytes) & IfPacket.TP_STATUS_USER) != 0;
    }

    /**
     * The bytes {@link #read} will write for the next frame (its vnet header, the frame and any tag it gets back), or
     * 0 when the ring holds no frame; lets the caller allocate exactly. V2 only; a V3 ring returns -1 (unknown).
     */
    public int peekBytes() {
        if (v3) {
            return -1;
        }
        final ByteBuffer r = ring;
        final int at = slot * slotBytes;
        final int status = (int) INT.getAcquire(r, at);
        if ((status & IfPacket.TP_STATUS_USER) == 0) {
            return 0;
        }
        final int len = r.getInt(at + IfPacket.TP2_LEN);
        final boolean tagged = (status & IfPacket.TP_STATUS_VLAN_VALID) != 0 && len >= MAC_ADDRESSES_BYTES;
        return (vnetHdr ? VNET_HDR_BYTES : 0) + len + (tagged ? VLAN_TAG_BYTES : 0);
    }

    private int readV2(ByteBuf dst) {
        final ByteBuffer r = ring;
        final int at = slot * slotBytes;
        final int status = (int) INT.getAcquire(r, at);
        if ((status & IfPacket.TP_STATUS_USER) == 0) {
            return 0;
        }
        final int n = copy(dst, at + (r.getShort(at + IfPacket.TP2_MAC) & 0xffff), r.getInt(at + IfPacket.TP2_LEN),
                r.getInt(at + IfPacket.TP2_SNAPLEN), status, r.getShort(at + IfPacket.TP2_VLAN_TCI),
                r.getShort(at + IfPacket.TP2_VLAN_TPID));
        INT.setRelease(r, at, IfPacket.TP_STATUS_KERNEL);
        slot = slot + 1 == slotCount ? 0 : slot + 1;
        return n;
    }

    private int readV3(ByteBuf dst) {
        final ByteBuffer r = ring;
        if (framesLeft == 0 && !openBlock()) {
            return 0;
        }
        final int at = frameAt;
        final int n = copy(dst, at + (r.getShort(at + IfPacket.TP3_MAC) & 0xffff), r.getInt(at + IfPacket.TP3_LEN),
                r.getInt(at + IfPacket.TP3_SNAPLEN), r.getInt(at + IfPacket.TP3_STATUS),
                r.getShort(at + IfPacket.TP3_VLAN_TCI), r.getShort(at + IfPacket.TP3_VLAN_TPID));
        frameAt = at + r.getInt(at + IfPacket.TP3_NEXT_OFFSET);
        if (--framesLeft == 0) {
            returnBlock();
        }
        return n;
    }

    /** Opens the next block if the kernel handed it over; gives back empty blocks at once. */
    private boolean openBlock() {
        final ByteBuffer r = ring;
        while (true) {
            final int base = slot * slotBytes;
            if (((int) INT.getAcquire(r, base + IfPacket.BLOCK_STATUS) & IfPacket.TP_STATUS_USER) == 0) {
                return false;
            }
            final int frames = r.getInt(base + IfPacket.BLOCK_NUM_PKTS);
            if (frames > 0) {
                framesLeft = frames;
                frameAt = base + r.getInt(base + IfPacket.BLOCK_OFFSET_TO_FIRST_PKT);
                return true;
            }
            returnBlock();
        }
    }

    private void returnBlock() {
        INT.setRelease(ring, slot * slotBytes + IfPacket.BLOCK_STATUS, IfPacket.TP_STATUS_KERNEL);
        slot = slot + 1 == slotCount ? 0 : slot + 1;
    }

    private int copy(ByteBuf dst, int mac, int len, int snaplen, int status, short tci, short tpid) {
        final boolean tagged = (status & IfPacket.TP_STATUS_VLAN_VALID) != 0 && len >= MAC_ADDRESSES_BYTES;
        if (vnetHdr) {
            final int room = dst.writableBytes() - VNET_HDR_BYTES;
            final int frameBytes = tagged ? len + VLAN_TAG_BYTES : len;
            if (room < 0 || snaplen < len || frameBytes > room || mac + len > ringBytes || mac < VNET_HDR_BYTES) {
                return VNET_HDR_BYTES + Math.max(frameBytes, room + 1);
            }
            final int at = dst.writerIndex();
            ringBuf.getBytes(mac - VNET_HDR_BYTES, dst, at, VNET_HDR_BYTES);
            if (tagged && (dst.getByte(at) & VNET_F_NEEDS_CSUM) != 0) {
                // The kernel counted csum_start without the tag it had taken out; the frame gets it back.
                dst.setShortLE(at + VNET_CSUM_START, dst.getUnsignedShortLE(at + VNET_CSUM_START) + VLAN_TAG_BYTES);
            }
            dst.writerIndex(at + VNET_HDR_BYTES);
            return VNET_HDR_BYTES + copyFrame(dst, mac, len, snaplen, status, tci, tpid, tagged);
        }
        return copyFrame(dst, mac, len, snaplen, status, tci, tpid, tagged);
    }

    private int copyFrame(ByteBuf dst, int mac, int len, int snaplen, int status, short tci, short tpid,
            boolean tagged) {
        final int room = dst.writableBytes();
        final int frameBytes = tagged ? len + VLAN_TAG_BYTES : len;
        if (snaplen < len || frameBytes > room || mac + len > ringBytes) {
            return Math.max(frameBytes, room + 1);
        }
        final int at = dst.writerIndex();
        if (tagged) {
            ringBuf.getBytes(mac, dst, at, MAC_ADDRESSES_BYTES);
            dst.setShort(at + MAC_ADDRESSES_BYTES,
                    (status & IfPacket.TP_STATUS_VLAN_TPID_VALID) != 0 ? tpid : ETH_P_8021Q);
            dst.setShort(at + MAC_ADDRESSES_BYTES + 2, tci);
            ringBuf.getBytes(mac + MAC_ADDRESSES_BYTES, dst, at + MAC_ADDRESSES_BYTES + VLAN_TAG_BYTES,
                    len - MAC_ADDRESSES_BYTES);
        } else {
            ringBuf.getBytes(mac, dst, at, len);
        }
        dst.writerIndex(at + frameBytes);
        return frameBytes;
    }

    /** Unmaps the ring. Idempotent; call after the socket's fd is closed or no longer read. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ringBuf.release();
        Syscall.LIBC.munmap(address, ringBytes);
    }

    @Override
    public String toString() {
        return "PacketRing[" + interfaceName + ", " + config + "]";
    }
}
