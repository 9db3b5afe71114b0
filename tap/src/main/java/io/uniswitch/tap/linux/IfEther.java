package io.uniswitch.tap.linux;

/** {@code <linux/if_ether.h>}: Ethernet sizes and protocol ids. */
public final class IfEther {
    public static final int ETH_ALEN = 6;
    public static final int ETH_HLEN = 14;
    public static final int ETH_ZLEN = 60;
    public static final int ETH_DATA_LEN = 1500;
    public static final int ETH_FRAME_LEN = 1514;

    /** Every protocol; as a socket protocol it must be in network byte order, see {@link #htons(int)}. */
    public static final int ETH_P_ALL = 0x0003;
    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_8021Q = 0x8100;
    /** IEEE local experimental ethertype 1; what tests use for synthetic frames. */
    public static final int ETH_P_802_EX1 = 0x88B5;

    private IfEther() {
    }

    /** Host to network byte order for a 16-bit value (Linux hosts here are little-endian). */
    public static int htons(int value) {
        return Short.toUnsignedInt(Short.reverseBytes((short) value));
    }
}
