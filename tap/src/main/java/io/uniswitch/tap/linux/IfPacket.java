package io.uniswitch.tap.linux;

/** {@code <linux/if_packet.h>}: AF_PACKET socket options and the layouts of sockaddr_ll and packet_mreq. */
public final class IfPacket {
    public static final int SOL_PACKET = 263;

    public static final int PACKET_ADD_MEMBERSHIP = 1;
    public static final int PACKET_DROP_MEMBERSHIP = 2;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_VNET_HDR = 15;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;

    public static final int PACKET_MR_MULTICAST = 0;
    public static final int PACKET_MR_PROMISC = 1;
    public static final int PACKET_MR_ALLMULTI = 2;

    /** {@code struct sockaddr_ll}, 20 bytes. */
    public static final int SOCKADDR_LL_SIZE = 20;
    public static final int SLL_FAMILY = 0;
    /** Network byte order. */
    public static final int SLL_PROTOCOL = 2;
    public static final int SLL_IFINDEX = 4;
    public static final int SLL_HATYPE = 8;
    public static final int SLL_PKTTYPE = 10;
    public static final int SLL_HALEN = 11;
    public static final int SLL_ADDR = 12;

    /** {@code struct packet_mreq}, 16 bytes. */
    public static final int PACKET_MREQ_SIZE = 16;
    public static final int MR_IFINDEX = 0;
    public static final int MR_TYPE = 4;
    public static final int MR_ALEN = 6;
    public static final int MR_ADDRESS = 8;

    /** {@code struct tpacket_stats}: two u32, packets @0 and drops @4; reading them resets them. */
    public static final int TPACKET_STATS_SIZE = 8;

    private IfPacket() {
    }
}
