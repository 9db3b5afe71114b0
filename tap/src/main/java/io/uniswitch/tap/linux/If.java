package io.uniswitch.tap.linux;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * {@code <net/if.h>}: interface flags, the {@code struct ifreq} layout and interface-name rules. Stateless.
 *
 * <p>{@code struct ifreq} is 40 bytes on LP64: the name in bytes 0-15 (NUL-terminated), then a union at 16 that
 * holds {@code ifr_flags} (short), {@code ifr_ifindex}/{@code ifr_mtu} (int), a {@code struct sockaddr}
 * ({@code ifr_addr}, {@code ifr_hwaddr}, {@code ifr_netmask}) or the pointer {@code ifr_data}.
 */
public final class If {
    /** Bytes in an interface name including the NUL, so names have at most 15 bytes. */
    public static final int IFNAMSIZ = 16;

    public static final int IFF_UP = 0x1;
    public static final int IFF_BROADCAST = 0x2;
    public static final int IFF_DEBUG = 0x4;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_POINTOPOINT = 0x10;
    public static final int IFF_NOTRAILERS = 0x20;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_NOARP = 0x80;
    public static final int IFF_PROMISC = 0x100;
    public static final int IFF_ALLMULTI = 0x200;
    public static final int IFF_MASTER = 0x400;
    public static final int IFF_SLAVE = 0x800;
    public static final int IFF_MULTICAST = 0x1000;
    public static final int IFF_PORTSEL = 0x2000;
    public static final int IFF_AUTOMEDIA = 0x4000;
    public static final int IFF_DYNAMIC = 0x8000;

    public static final int IFREQ_SIZE = 40;
    public static final int IFR_NAME = 0;
    /** Start of the union: ifr_flags, ifr_ifindex, ifr_mtu, ifr_addr, ifr_hwaddr, ifr_netmask, ifr_data. */
    public static final int IFR_IFRU = 16;
    /** {@code ifr_hwaddr.sa_family}. */
    public static final int IFR_HWADDR_FAMILY = 16;
    /** {@code ifr_hwaddr.sa_data}: the MAC. */
    public static final int IFR_HWADDR_DATA = 18;

    private If() {
    }

    /**
     * Checks a name the way the kernel's {@code dev_valid_name} does: 1 to 15 bytes, not "." or "..", no '/', ':'
     * or white space.
     *
     * @throws IllegalArgumentException naming the rule that failed
     */
    public static String checkName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("interface name is null");
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            throw new IllegalArgumentException("interface name is empty");
        }
        if (bytes >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name '" + name + "' has " + bytes
                    + " bytes; Linux allows at most " + (IFNAMSIZ - 1));
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name '" + name + "' is not allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
                throw new IllegalArgumentException("interface name '" + name
                        + "' contains '/', ':', a NUL or white space");
            }
        }
        return name;
    }

    /** A zeroed ifreq with {@code name} in ifr_name. */
    public static Pointer ifreq(String name) {
        final Pointer ifr = Syscall.allocate(IFREQ_SIZE);
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        ifr.put(IFR_NAME, bytes, 0, Math.min(bytes.length, IFNAMSIZ - 1));
        return ifr;
    }

    /** ifr_name of an ifreq, up to its NUL. */
    public static String ifrName(Pointer ifr) {
        final byte[] bytes = new byte[IFNAMSIZ];
        ifr.get(IFR_NAME, bytes, 0, IFNAMSIZ);
        int length = 0;
        while (length < IFNAMSIZ && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
