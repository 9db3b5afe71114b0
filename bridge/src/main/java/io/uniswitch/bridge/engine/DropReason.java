package io.uniswitch.bridge.engine;

/**
 * Why a frame was dropped. The id indexes drop counter arrays and the label names the metric; both are stable, so
 * append new reasons at the end and never renumber.
 */
public enum DropReason {
    /** Shorter than the 14-byte Ethernet header. */
    RUNT(0, "runt"),
    /** Source MAC is a group address or all zeros. */
    INVALID_SRC_MAC(1, "invalid_src_mac"),
    /** Destination is an IEEE 802.1D link-local group address 01:80:C2:00:00:0X, which a bridge never forwards. */
    LINK_LOCAL(2, "link_local"),
    /** Destination was learned on the ingress port; split horizon forbids sending it back. */
    SAME_PORT(3, "same_port"),
    /** Payload larger than the egress port's MTU. */
    EGRESS_MTU(4, "egress_mtu"),
    /** The egress port's bounded queue was full. */
    TX_QUEUE_FULL(5, "tx_queue_full"),
    /** Larger than the ingress read buffer; counted by the fd port that read it. */
    FRAME_TOO_LARGE(6, "frame_too_large"),
    /** Received on, or sent to, a port that is down or detached. */
    PORT_DOWN(7, "port_down"),
    /** The device refused the frame (e.g. ENOBUFS). */
    TX_ERROR(8, "tx_error"),
    /** Source MAC other than the one the ingress port is pinned to (anti-spoofing, {@code Port.setPinnedSrcMac}). */
    SPOOFED_SRC_MAC(9, "spoofed_src_mac");

    /** Number of reasons: the length of a drop counter array. */
    public static final int COUNT = 10;

    private static final DropReason[] BY_ID = values();

    private final int id;
    private final String label;

    DropReason(int id, String label) {
        this.id = id;
        this.label = label;
    }

    /** Stable index into drop counter arrays, 0 to {@link #COUNT} - 1. */
    public int id() {
        return id;
    }

    /** Stable lower-case name, used as the metric label. */
    public String label() {
        return label;
    }

    /** The reason with this id; no allocation (unlike {@code values()}). */
    public static DropReason byId(int id) {
        return BY_ID[id];
    }
}
