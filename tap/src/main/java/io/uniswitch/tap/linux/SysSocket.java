package io.uniswitch.tap.linux;

/** {@code <sys/socket.h>}: address families, socket types and flags. */
public final class SysSocket {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;

    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_NONBLOCK = Fcntl.O_NONBLOCK;
    public static final int SOCK_CLOEXEC = Fcntl.O_CLOEXEC;

    /** {@code struct sockaddr_un}: family @0, path @2; 110 bytes in all. */
    public static final int SOCKADDR_UN_SIZE = 110;
    public static final int MSG_DONTWAIT = 0x40;
    /** recvmsg: the control data did not fit; some descriptors were dropped. */
    public static final int MSG_CTRUNC = 0x8;
    /** recvmsg: received descriptors get close-on-exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int MSG_NOSIGNAL = 0x4000;

    /** {@code struct msghdr}: name @0, namelen @8, iov @16, iovlen @24, control @32, controllen @40, flags @48. */
    public static final int MSGHDR_SIZE = 56;
    public static final int MSGHDR_IOV = 16;
    public static final int MSGHDR_IOVLEN = 24;
    public static final int MSGHDR_CONTROL = 32;
    public static final int MSGHDR_CONTROLLEN = 40;
    public static final int MSGHDR_FLAGS = 48;
    /** {@code struct cmsghdr}: len (size_t) @0, level @8, type @12, data @16. */
    public static final int CMSG_HEADER_SIZE = 16;
    public static final int CMSG_LEVEL = 8;
    public static final int CMSG_TYPE = 12;
    public static final int SCM_RIGHTS = 1;

    public static final int SOL_SOCKET = 1;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    /** As SO_SNDBUF / SO_RCVBUF, but past net.core.wmem_max / rmem_max; needs CAP_NET_ADMIN. */
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;

    /** {@code struct sockaddr_in}: family (host order) @0, port (network order) @2, address (network order) @4. */
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SIN_FAMILY = 0;
    public static final int SIN_PORT = 2;
    public static final int SIN_ADDR = 4;

    /** {@code struct mmsghdr}, 64 bytes: a {@code struct msghdr} (56 bytes), then msg_len (u32) @56 and padding. */
    public static final int MMSGHDR_SIZE = 64;
    public static final int MSG_NAME = 0;
    public static final int MSG_IOV = 16;
    /** size_t */
    public static final int MSG_IOVLEN = 24;
    /** u32: bytes sent, filled in by sendmmsg. */
    public static final int MMSG_LEN = 56;
    /** {@code struct iovec}, 16 bytes: base @0, length (size_t) @8. */
    public static final int IOVEC_SIZE = 16;
    public static final int IOV_BASE = 0;
    public static final int IOV_LEN = 8;

    private SysSocket() {
    }
}
