package io.uniswitch.bridge.frame;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors for Ethernet II frames held in a {@link ByteBuf}.
 *
 * <p>Invariant: every accessor reads at absolute offsets from {@code f.readerIndex()} with {@code getXxx}; none
 * changes the reader or writer index, so a buffer shared by a flood can be read by any holder. MAC addresses are
 * {@code long}s holding the 48 address bits in network order (first octet in bits 40..47). Callers check
 * {@link #HEADER_BYTES} before reading; these methods do no bounds checks of their own beyond Netty's. Each MAC is
 * one 64-bit read: every Netty access checks bounds and reads the volatile refCnt, so fewer, wider reads are
 * cheaper.
 * Stateless and thread-safe; the buffer is only borrowed.
 */
public final class Frames {
    /** Destination MAC, source MAC and EtherType. */
    public static final int HEADER_BYTES = 14;
    /** An IEEE 802.1Q tag: TPID and TCI. */
    public static final int VLAN_TAG_BYTES = 4;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** The 48 address bits of a MAC packed in a long. */
    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    private static final int SRC_OFFSET = 6;
    private static final int ETHERTYPE_OFFSET = 12;
    private static final int TCI_OFFSET = 14;
    private static final long GROUP_BIT = 1L << 40;
    /** 01:80:C2:00:00:00 to 01:80:C2:00:00:0F, IEEE 802.1D table 7-10: never forwarded by a bridge. */
    private static final long LINK_LOCAL_PREFIX = 0x0180_C200_0000L;
    private static final long LINK_LOCAL_MASK = 0xFFFF_FFFF_FFF0L;

    private Frames() {
    }

    /** Needs 8 readable bytes: one 64-bit read, the low 16 bits (source MAC) shifted out. */
    public static long dstMac(ByteBuf f) {
        return f.getLong(f.readerIndex()) >>> 16;
    }

    /** Needs the full 14-byte header: one 64-bit read of bytes 6..13, the EtherType shifted out. */
    public static long srcMac(ByteBuf f) {
        return f.getLong(f.readerIndex() + SRC_OFFSET) >>> 16;
    }

    /** The EtherType (or TPID of a tagged frame) at offset 12. */
    public static int etherType(ByteBuf f) {
        return f.getUnsignedShort(f.readerIndex() + ETHERTYPE_OFFSET);
    }

    /** True when the frame carries an 802.1Q tag and is long enough to hold it. */
    public static boolean isVlanTagged(ByteBuf f) {
        return f.readableBytes() >= HEADER_BYTES + VLAN_TAG_BYTES && etherType(f) == ETHERTYPE_VLAN;
    }

    /** The VLAN id of a tagged frame, 0 for an untagged one. */
    public static int vlanId(ByteBuf f) {
        return isVlanTagged(f) ? f.getUnsignedShort(f.readerIndex() + TCI_OFFSET) & 0x0FFF : 0;
    }

    /**
     * Bytes that count against an egress MTU: everything after the 14-byte header, less the 4-byte 802.1Q tag of a
     * tagged frame. Negative for a runt.
     */
    public static int payloadBytes(ByteBuf f) {
        int len = f.readableBytes();
        int tag = len >= HEADER_BYTES + VLAN_TAG_BYTES && etherType(f) == ETHERTYPE_VLAN ? VLAN_TAG_BYTES : 0;
        return len - HEADER_BYTES - tag;
    }

    /** Group (multicast or broadcast) address: the I/G bit of the first octet. */
    public static boolean isMulticast(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    public static boolean isBroadcast(long mac) {
        return mac == BROADCAST;
    }

    /** IEEE 802.1D reserved link-local group address 01:80:C2:00:00:0X (STP, LACP, 802.1X, LLDP). */
    public static boolean isLinkLocal(long mac) {
        return (mac & LINK_LOCAL_MASK) == LINK_LOCAL_PREFIX;
    }

    /** A source MAC a bridge may learn: unicast and not all zeros. */
    public static boolean isValidSource(long mac) {
        return (mac & GROUP_BIT) == 0 && mac != 0;
    }
}
