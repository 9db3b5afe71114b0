package io.uniswitch.tap.device;

import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Fcntl;
import io.uniswitch.tap.linux.If;
import io.uniswitch.tap.linux.IfTun;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Rtnetlink;
import io.uniswitch.tap.linux.Sockios;
import io.uniswitch.tap.linux.SysSocket;
import io.uniswitch.tap.linux.Syscall;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import jnr.ffi.Pointer;

/**
 * Queries and settings of network interfaces by name, through ioctls on a short-lived AF_INET datagram socket (so
 * each call acts in the calling thread's network namespace), /sys/class/net, and one rtnetlink request for
 * {@link #delete(String)}. Control path only: every call makes syscalls and allocates. Stateless and thread-safe;
 * read-modify-write calls ({@link #setUp}) are not atomic against other writers.
 *
 * <p>Every kernel error is a {@link NativeException} naming the call and the interface, e.g.
 * {@code "SIOCGIFINDEX nosuch0: ENODEV (no such interface; check the name with `ip link`)"}. Invalid names throw
 * IllegalArgumentException before any syscall.
 */
public final class NetInterfaces {
    static final String HINT_MTU = "MTU out of the driver's range";
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");
    private static final int NETLINK_REPLY_BYTES = 4096;

    private NetInterfaces() {
    }

    /** Whether an interface of this name exists in the caller's network namespace. */
    public static boolean exists(String name) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            if (Syscall.LIBC.ioctl(sock, Sockios.SIOCGIFINDEX, ifr) == 0) {
                return true;
            }
            final int errno = Syscall.errno();
            if (errno == Errno.ENODEV) {
                return false;
            }
            throw NativeException.of("SIOCGIFINDEX", name, errno);
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** The ifindex (SIOCGIFINDEX). */
    public static int index(String name) {
        return getInt(name, Sockios.SIOCGIFINDEX, "SIOCGIFINDEX");
    }

    /** The MTU in bytes (SIOCGIFMTU). */
    public static int mtu(String name) {
        return getInt(name, Sockios.SIOCGIFMTU, "SIOCGIFMTU");
    }

    /** Sets the MTU (SIOCSIFMTU); EINVAL means the driver's range does not include it. */
    public static void setMtu(String name, int mtuBytes) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            ifr.putInt(If.IFR_IFRU, mtuBytes);
            if (Syscall.LIBC.ioctl(sock, Sockios.SIOCSIFMTU, ifr) < 0) {
                final int errno = Syscall.errno();
                throw new NativeException("SIOCSIFMTU", name, errno,
                        errno == Errno.EINVAL ? HINT_MTU : NativeException.defaultHint(errno));
            }
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** The hardware address (SIOCGIFHWADDR): 48 bits in the low bits, first octet most significant. */
    public static long mac(String name) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            Syscall.ioctl(sock, Sockios.SIOCGIFHWADDR, ifr, "SIOCGIFHWADDR", name);
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | Byte.toUnsignedLong(ifr.getByte(If.IFR_HWADDR_DATA + i));
            }
            return mac;
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** Sets the Ethernet address (SIOCSIFHWADDR); the kernel refuses multicast and all-zero addresses. */
    public static void setMac(String name, long mac) {
        If.checkName(name);
        if ((mac >>> 48) != 0) {
            throw new IllegalArgumentException("MAC " + Long.toHexString(mac) + " has more than 48 bits");
        }
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            ifr.putShort(If.IFR_HWADDR_FAMILY, (short) Sockios.ARPHRD_ETHER);
            for (int i = 0; i < 6; i++) {
                ifr.putByte(If.IFR_HWADDR_DATA + i, (byte) (mac >>> (40 - 8 * i)));
            }
            Syscall.ioctl(sock, Sockios.SIOCSIFHWADDR, ifr, "SIOCSIFHWADDR", name);
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /**
     * The IFF_* flags (SIOCGIFFLAGS). The ioctl carries only the low 16 bits, so IFF_LOWER_UP and IFF_DORMANT are
     * never set here; use {@link #operState(String)}.
     */
    public static int flags(String name) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            Syscall.ioctl(sock, Sockios.SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS", name);
            return Short.toUnsignedInt(ifr.getShort(If.IFR_IFRU));
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** Whether IFF_UP is set (administratively up; the link may still have no carrier). */
    public static boolean isUp(String name) {
        return (flags(name) & If.IFF_UP) != 0;
    }

    /** Sets or clears IFF_UP (SIOCGIFFLAGS then SIOCSIFFLAGS). */
    public static void setUp(String name, boolean up) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            Syscall.ioctl(sock, Sockios.SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS", name);
            final int flags = Short.toUnsignedInt(ifr.getShort(If.IFR_IFRU));
            final int wanted = up ? flags | If.IFF_UP : flags & ~If.IFF_UP;
            if (wanted != flags) {
                ifr.putShort(If.IFR_IFRU, (short) wanted);
                Syscall.ioctl(sock, Sockios.SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS", name);
            }
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** RFC 2863 operational state from /sys/class/net/NAME/operstate: "up", "down", "unknown", "dormant", ... */
    public static String operState(String name) {
        return readSys(name, "operstate");
    }

    /**
     * Sets the primary IPv4 address (SIOCSIFADDR) and then the netmask (SIOCSIFNETMASK). Setting the address first
     * makes the kernel derive a classful mask, which the second call replaces.
     */
    public static void setIpv4Address(String name, Inet4Address address, int prefixLength) {
        If.checkName(name);
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, was " + prefixLength);
        }
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            putSockaddrIn(ifr, address.getAddress());
            Syscall.ioctl(sock, Sockios.SIOCSIFADDR, ifr, "SIOCSIFADDR", name);
            final int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            putSockaddrIn(ifr, new byte[] {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8),
                (byte) mask});
            Syscall.ioctl(sock, Sockios.SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK", name);
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** The primary IPv4 address (SIOCGIFADDR), or null when the interface has none. */
    public static Inet4Address ipv4Address(String name) {
        final byte[] address = getSockaddrIn(name, Sockios.SIOCGIFADDR, "SIOCGIFADDR");
        if (address == null) {
            return null;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }

    /** The prefix length of the primary IPv4 address (SIOCGIFNETMASK), or -1 when the interface has none. */
    public static int ipv4PrefixLength(String name) {
        final byte[] mask = getSockaddrIn(name, Sockios.SIOCGIFNETMASK, "SIOCGIFNETMASK");
        if (mask == null) {
            return -1;
        }
        return Integer.bitCount(((mask[0] & 0xff) << 24) | ((mask[1] & 0xff) << 16) | ((mask[2] & 0xff) << 8)
                | (mask[3] & 0xff));
    }

    /** Whether NAME is a tun or tap device (it has /sys/class/net/NAME/tun_flags). */
    public static boolean isTunTap(String name) {
        If.checkName(name);
        return Files.exists(SYS_CLASS_NET.resolve(name).resolve("tun_flags"));
    }

    /**
     * Removes the link NAME. A tun/tap is attached with TUNSETIFF, made non-persistent and closed, which removes
     * it the way its owner would. If another process holds it (EBUSY), or it is still there afterwards (a
     * multi-queue device with other queues attached), and for every other link type (veth, dummy, ...), an
     * RTM_DELLINK request goes over rtnetlink: the same request {@code ip link del NAME} sends, without depending
     * on iproute2 and with the kernel's errno in the error.
     *
     * @throws NativeException e.g. ENODEV if there is no such interface
     */
    public static void delete(String name) {
        If.checkName(name);
        if (isTunTap(name)) {
            final int tunFlags;
            try {
                tunFlags = Integer.decode(readSys(name, "tun_flags"));
            } catch (NumberFormatException e) {
                throw new NativeException("tun_flags", name, Errno.EINVAL, "unexpected /sys content");
            }
            if (detachTunTap(name, tunFlags) && !exists(name)) {
                return;
            }
        }
        deleteLink(name, index(name));
    }

    /** {@link #delete(String)} unless there is no such interface; returns whether it deleted one. */
    public static boolean deleteIfExists(String name) {
        try {
            delete(name);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    /** Attaches, clears TUNSETPERSIST and closes; false if another process holds the device. */
    private static boolean detachTunTap(String name, int tunFlags) {
        final int fd = Syscall.LIBC.open(TunDevice.TUN_PATH, Fcntl.O_RDWR | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            throw NativeException.of("open", TunDevice.TUN_PATH, Syscall.errno());
        }
        try {
            final Pointer ifr = If.ifreq(name);
            final int keep = IfTun.IFF_TUN | IfTun.IFF_TAP | IfTun.IFF_NO_PI | IfTun.IFF_MULTI_QUEUE
                    | IfTun.IFF_VNET_HDR;
            ifr.putShort(If.IFR_IFRU, (short) (tunFlags & keep));
            if (Syscall.LIBC.ioctl(fd, IfTun.TUNSETIFF, ifr) < 0) {
                final int errno = Syscall.errno();
                if (errno == Errno.EBUSY) {
                    return false;
                }
                throw new NativeException("TUNSETIFF", name, errno, TunDevice.tunSetIffHint(errno));
            }
            Syscall.ioctl(fd, IfTun.TUNSETPERSIST, 0L, "TUNSETPERSIST", name);
            return true;
        } finally {
            Syscall.LIBC.close(fd);
        }
    }

    private static void deleteLink(String name, int ifindex) {
        final int sock = Syscall.LIBC.socket(SysSocket.AF_NETLINK, SysSocket.SOCK_RAW | SysSocket.SOCK_CLOEXEC,
                Rtnetlink.NETLINK_ROUTE);
        if (sock < 0) {
            throw NativeException.of("socket", "AF_NETLINK", Syscall.errno());
        }
        try {
            final int length = Rtnetlink.NLMSG_HDRLEN + Rtnetlink.IFINFOMSG_SIZE;
            final Pointer request = Syscall.allocate(length);
            request.putInt(Rtnetlink.NLMSG_LEN, length);
            request.putShort(Rtnetlink.NLMSG_TYPE, (short) Rtnetlink.RTM_DELLINK);
            request.putShort(Rtnetlink.NLMSG_FLAGS, (short) (Rtnetlink.NLM_F_REQUEST | Rtnetlink.NLM_F_ACK));
            request.putInt(Rtnetlink.NLMSG_SEQ, 1);
            request.putInt(Rtnetlink.NLMSG_HDRLEN + Rtnetlink.IFI_INDEX, ifindex);
            if (Syscall.LIBC.write(sock, request.address(), length) != length) {
                throw NativeException.of("RTM_DELLINK", name, Syscall.errno());
            }
            // rtnetlink handles the request inside write(), so the ACK is already queued; a blocking read is safe.
            final Pointer reply = Syscall.allocate(NETLINK_REPLY_BYTES);
            final long n = Syscall.LIBC.read(sock, reply.address(), NETLINK_REPLY_BYTES);
            if (n < 0) {
                throw NativeException.of("RTM_DELLINK", name, Syscall.errno());
            }
            if (n < Rtnetlink.NLMSGERR_ERROR + Integer.BYTES
                    || reply.getShort(Rtnetlink.NLMSG_TYPE) != Rtnetlink.NLMSG_ERROR) {
                throw new NativeException("RTM_DELLINK", name, Errno.EIO, "unexpected netlink reply of " + n
                        + " bytes");
            }
            final int error = reply.getInt(Rtnetlink.NLMSGERR_ERROR);
            if (error != 0) {
                throw NativeException.of("RTM_DELLINK", name, -error);
            }
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    private static int getInt(String name, long request, String call) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            Syscall.ioctl(sock, request, ifr, call, name);
            return ifr.getInt(If.IFR_IFRU);
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /** The 4 address bytes of a sockaddr_in the ioctl returns, or null on EADDRNOTAVAIL (no IPv4 address). */
    private static byte[] getSockaddrIn(String name, long request, String call) {
        If.checkName(name);
        final int sock = controlSocket(name);
        try {
            final Pointer ifr = If.ifreq(name);
            if (Syscall.LIBC.ioctl(sock, request, ifr) < 0) {
                final int errno = Syscall.errno();
                if (errno == Errno.EADDRNOTAVAIL) {
                    return null;
                }
                throw NativeException.of(call, name, errno);
            }
            final byte[] address = new byte[4];
            ifr.get(If.IFR_IFRU + SysSocket.SIN_ADDR, address, 0, 4);
            return address;
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    private static void putSockaddrIn(Pointer ifr, byte[] address) {
        ifr.putShort(If.IFR_IFRU + SysSocket.SIN_FAMILY, (short) SysSocket.AF_INET);
        ifr.putShort(If.IFR_IFRU + SysSocket.SIN_PORT, (short) 0);
        ifr.put(If.IFR_IFRU + SysSocket.SIN_ADDR, address, 0, 4);
    }

    private static String readSys(String name, String attribute) {
        If.checkName(name);
        try {
            return Files.readString(SYS_CLASS_NET.resolve(name).resolve(attribute), StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            throw NativeException.of(attribute, name, Errno.ENODEV);
        } catch (IOException e) {
            throw new NativeException(attribute, name, Errno.EIO, e.toString());
        }
    }

    static int controlSocket(String name) {
        final int sock = Syscall.LIBC.socket(SysSocket.AF_INET, SysSocket.SOCK_DGRAM | SysSocket.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            throw NativeException.of("socket", name, Syscall.errno());
        }
        return sock;
    }
}
