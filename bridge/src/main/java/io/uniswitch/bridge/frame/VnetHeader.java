package io.uniswitch.bridge.frame;

import io.netty.buffer.ByteBuf;

/**
 * The {@code struct virtio_net_hdr} (10 bytes, little-endian) that AF_PACKET ({@code PACKET_VNET_HDR}) and taps
 * ({@code IFF_VNET_HDR}) put before each frame in offload mode {@code vnet}: whether the frame is a GSO super-frame
 * (and of what segment size) and whether its checksum is still to be filled in. The switch passes it through
 * untouched; the kernel of the egress device segments and checksums as that device needs. In that mode a frame's
 * header sits in the {@link #BYTES} bytes before its reader index, so frame accessors stay as they are.
 *
 * <p>Stateless; allocation-free.
 */
public final class VnetHeader {
    public static final int BYTES = 10;
    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int FLAG_NEEDS_CSUM = 1;
    public static final int GSO_NONE = 0;
    public static final int GSO_UDP = 3;
    public static final int GSO_UDP_L4 = 5;
    private static final int GSO_ECN = 0x80;
    private static final int UDP_HEADER_BYTES = 8;
    private static final int TCP_DATA_OFFSET = 12;

    private VnetHeader() {
    }

    /** The GSO type (ECN bit cleared) of the frame whose header precedes f's reader index. */
    public static int gsoType(ByteBuf f) {
        return f.getUnsignedByte(f.readerIndex() - BYTES + GSO_TYPE) & ~GSO_ECN;
    }

    /**
     * The L3 size (what an MTU limits) of the largest packet this frame puts on the wire: its own payload for a plain
     * frame; for a GSO frame, the L3 and L4 headers plus the segment size. A header that does not fit the frame gives
     * the frame's own payload, which the MTU check then refuses.
     */
    public static int wireL3Bytes(ByteBuf f) {
        final int payload = Frames.payloadBytes(f);
        final int base = f.readerIndex() - BYTES;
        final int gso = f.getUnsignedByte(base + GSO_TYPE) & ~GSO_ECN;
        if (gso == GSO_NONE) {
            return payload;
        }
        final int segment = f.getUnsignedShortLE(base + GSO_SIZE);
        final int l4 = f.getUnsignedShortLE(base + CSUM_START);
        final int l2 = f.readableBytes() - payload;
        if (l4 < l2 || l4 + TCP_DATA_OFFSET >= f.readableBytes()) {
            return payload;
        }
        // UFO (GSO_UDP) fragments IP packets whose gso_size already counts the UDP header; USO (GSO_UDP_L4) and TCP
        // segments carry their own L4 header on top of gso_size.
        final int l4Header = gso == GSO_UDP ? 0 : gso == GSO_UDP_L4 ? UDP_HEADER_BYTES
                : (f.getUnsignedByte(f.readerIndex() + l4 + TCP_DATA_OFFSET) >> 4) * 4;
        return l4 - l2 + l4Header + segment;
    }
}
