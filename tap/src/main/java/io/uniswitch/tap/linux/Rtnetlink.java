package io.uniswitch.tap.linux;

/** {@code <linux/netlink.h>} and {@code <linux/rtnetlink.h>}: what deleting a link over NETLINK_ROUTE needs. */
public final class Rtnetlink {
    public static final int NETLINK_ROUTE = 0;

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;

    public static final int NLMSG_ERROR = 2;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_ACK = 0x4;

    /** {@code struct nlmsghdr}, 16 bytes: len u32 @0, type u16 @4, flags u16 @6, seq u32 @8, pid u32 @12. */
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLMSG_LEN = 0;
    public static final int NLMSG_TYPE = 4;
    public static final int NLMSG_FLAGS = 6;
    public static final int NLMSG_SEQ = 8;
    public static final int NLMSG_PID = 12;

    /** {@code struct ifinfomsg}, 16 bytes: family u8 @0, type u16 @2, index i32 @4, flags u32 @8, change u32 @12. */
    public static final int IFINFOMSG_SIZE = 16;
    public static final int IFI_FAMILY = 0;
    public static final int IFI_INDEX = 4;

    /** {@code struct nlmsgerr}: a negative errno (0 for an ACK) right after the header, then the request header. */
    public static final int NLMSGERR_ERROR = NLMSG_HDRLEN;

    private Rtnetlink() {
    }
}
