package io.uniswitch.tap.linux;

/** {@code <linux/if_packet.h>}: AF_PACKET socket options and the layouts of sockaddr_ll and packet_mreq. */
public final class IfPacket {
    public static final int SOL_PACKET = 263;

    public static final int PACKET_ADD_MEMBERSHIP = 1;
    public static final int PACKET_DROP_MEMBERSHIP = 2;
    public static final int PACKET_RX_RING = 5;
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
    /** {@code struct tpacket_stats_v3}: packets @0, drops @4, freeze_q_cnt @8; the size a V3 ring socket answers. */
    public static final int TPACKET_STATS_V3_SIZE = 12;

    /** {@code enum tpacket_versions}. */
    public static final int TPACKET_V2 = 1;
    public static final int TPACKET_V3 = 2;

    /** Frame and block status bits (tp_status, block_status). */
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_VLAN_VALID = 0x10;
    public static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    /** Ring and mmap alignment of frames and headers. */
    public static final int TPACKET_ALIGNMENT = 16;

    /** {@code struct tpacket_req} (V2 ring request), 16 bytes: block size, block count, frame size, frame count. */
    public static final int TPACKET_REQ_SIZE = 16;
    /** {@code struct tpacket_req3} (V3), 28 bytes: tpacket_req, then retire_blk_tov @16, sizeof_priv, feature word. */
    public static final int TPACKET_REQ3_SIZE = 28;
    public static final int REQ_BLOCK_SIZE = 0;
    public static final int REQ_BLOCK_NR = 4;
    public static final int REQ_FRAME_SIZE = 8;
    public static final int REQ_FRAME_NR = 12;
    public static final int REQ3_RETIRE_BLK_TOV = 16;

    /** {@code struct tpacket2_hdr}, one per V2 frame slot. */
    public static final int TP2_STATUS = 0;
    public static final int TP2_LEN = 4;
    public static final int TP2_SNAPLEN = 8;
    /** u16 */
    public static final int TP2_MAC = 12;
    /** u16 */
    public static final int TP2_VLAN_TCI = 24;
    /** u16 */
    public static final int TP2_VLAN_TPID = 26;

    /** {@code struct tpacket_block_desc} (V3): version, offset_to_priv, then tpacket_hdr_v1 from @8. */
    public static final int BLOCK_STATUS = 8;
    public static final int BLOCK_NUM_PKTS = 12;
    public static final int BLOCK_OFFSET_TO_FIRST_PKT = 16;

    /** {@code struct tpacket3_hdr}, one per frame in a V3 block. */
    public static final int TP3_NEXT_OFFSET = 0;
    public static final int TP3_SNAPLEN = 12;
    public static final int TP3_LEN = 16;
    public static final int TP3_STATUS = 20;
    /** u16 */
    public static final int TP3_MAC = 24;
    /** u32 (hv1.tp_vlan_tci) */
    public static final int TP3_VLAN_TCI = 32;
    /** u16 (hv1.tp_vlan_tpid) */
    public static final int TP3_VLAN_TPID = 36;

    private IfPacket() {
    }
}
