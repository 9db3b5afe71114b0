package io.uniswitch.tap.linux;

/**
 * {@code <linux/if_tun.h>}: tun/tap ioctls, {@code ifr_flags} bits and offload flags. The ioctl numbers are
 * {@code _IOW('T', n, int)} and {@code _IOR('T', n, unsigned int)} in the asm-generic encoding.
 */
public final class IfTun {
    public static final long TUNSETIFF = 0x400454caL;
    /** By value: 1 keeps the device after the last fd closes, 0 makes it go away with it. */
    public static final long TUNSETPERSIST = 0x400454cbL;
    /** By value: the uid allowed to attach without CAP_NET_ADMIN, -1 for none. */
    public static final long TUNSETOWNER = 0x400454ccL;
    public static final long TUNSETLINK = 0x400454cdL;
    /** By value: the gid allowed to attach without CAP_NET_ADMIN, -1 for none. */
    public static final long TUNSETGROUP = 0x400454ceL;
    /** Pointer to an unsigned int that receives the supported IFF_* bits. */
    public static final long TUNGETFEATURES = 0x800454cfL;
    /** By value: TUN_F_* bits. */
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    /** Pointer to a struct ifreq that receives the attached device's name and flags. */
    public static final long TUNGETIFF = 0x800454d2L;
    public static final long TUNGETVNETHDRSZ = 0x800454d7L;
    /** Pointer to an int: the vnet header length in bytes, at least 10. */
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;

    public static final int IFF_TUN = 0x0001;
    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NAPI = 0x0010;
    public static final int IFF_NAPI_FRAGS = 0x0020;
    public static final int IFF_NO_CARRIER = 0x0040;
    public static final int IFF_MULTI_QUEUE = 0x0100;
    public static final int IFF_ATTACH_QUEUE = 0x0200;
    public static final int IFF_DETACH_QUEUE = 0x0400;
    /** Read-only, reported by TUNGETIFF and in /sys/class/net/NAME/tun_flags. */
    public static final int IFF_PERSIST = 0x0800;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_ONE_QUEUE = 0x2000;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final int IFF_TUN_EXCL = 0x8000;

    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_UFO = 0x10;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;

    /** {@code struct virtio_net_hdr_v1} (and {@code _mrg_rxbuf}): what vhost-user guests with VERSION_1 use. */
    public static final int VIRTIO_NET_HDR_V1_SIZE = 12;
    /** struct virtio_net_hdr without num_buffers: what AF_PACKET's PACKET_VNET_HDR uses too. */
    public static final int VIRTIO_NET_HDR_SIZE = 10;

    private IfTun() {
    }
}
