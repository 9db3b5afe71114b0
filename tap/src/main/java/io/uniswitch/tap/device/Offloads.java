package io.uniswitch.tap.device;

import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.Ethtool;
import io.uniswitch.tap.linux.If;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tap.linux.Sockios;
import io.uniswitch.tap.linux.Syscall;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import jnr.ffi.Pointer;

/**
 * GRO, GSO, TSO and tx checksum offload of an interface, read and set through SIOCETHTOOL with the legacy
 * per-feature commands. Control path only; stateless and thread-safe.
 *
 * <p>TSO also goes through the named-features commands: on kernel 6.18 the legacy TSO mask misses
 * {@code tx-tcp-accecn-segmentation}, so ETHTOOL_STSO 0 left it on a veth and {@code ethtool -k} still showed
 * tcp-segmentation-offload on. Here TSO counts as on while any available {@code tx-tcp*-segmentation} feature is
 * active, and setting it sets all of them.
 *
 * <p>Why it matters: a port that forwards frames without vnet headers must turn these off on the interfaces it
 * reads, or it receives 64 KB super-frames and frames with only a partial checksum (CHECKSUM_PARTIAL) that arrive
 * corrupt after forwarding (measured, see NATIVE-IO-NOTES section 8).
 */
public final class Offloads {
    private Offloads() {
    }

    /** What an interface has: generic receive offload, generic segmentation, TCP segmentation, tx checksums. */
    public record State(boolean gro, boolean gso, boolean tso, boolean txChecksum) {
        public static final State ALL_OFF = new State(false, false, false, false);
        public static final State ALL_ON = new State(true, true, true, true);

        /** In ethtool's words, e.g. {@code "gro off, gso off, tso off, tx-checksumming on"}. */
        public String describe() {
            return "gro " + onOff(gro) + ", gso " + onOff(gso) + ", tso " + onOff(tso) + ", tx-checksumming "
                    + onOff(txChecksum);
        }

        private static String onOff(boolean on) {
            return on ? "on" : "off";
        }
    }

    /** The current state (ETHTOOL_GGRO, GGSO, GTSO, GTXCSUM). */
    public static State get(String ifname) {
        If.checkName(ifname);
        final int sock = NetInterfaces.controlSocket(ifname);
        try {
            return get(sock, ifname, new Request(ifname));
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /**
     * Changes each feature that differs from {@code wanted} and returns the state afterwards. A feature the
     * driver cannot change (EOPNOTSUPP), or that the kernel keeps because another one depends on it, keeps its
     * old value in the result; compare the result with {@code wanted} to find out.
     *
     * @throws NativeException for other errors, e.g. ENODEV or EPERM
     */
    public static State set(String ifname, State wanted) {
        If.checkName(ifname);
        final int sock = NetInterfaces.controlSocket(ifname);
        try {
            final Request request = new Request(ifname);
            final State current = get(sock, ifname, request);
            // TSO needs tx checksumming: switch checksums on before TSO, and off after it.
            if (wanted.txChecksum() && !current.txChecksum()) {
                set(sock, ifname, request, Ethtool.ETHTOOL_STXCSUM, "ETHTOOL_STXCSUM", true);
            }
            if (wanted.tso() != current.tso()) {
                set(sock, ifname, request, Ethtool.ETHTOOL_STSO, "ETHTOOL_STSO", wanted.tso());
                setTcpSegmentation(sock, ifname, request, wanted.tso());
            }
            if (wanted.gso() != current.gso()) {
                set(sock, ifname, request, Ethtool.ETHTOOL_SGSO, "ETHTOOL_SGSO", wanted.gso());
            }
            if (wanted.gro() != current.gro()) {
                set(sock, ifname, request, Ethtool.ETHTOOL_SGRO, "ETHTOOL_SGRO", wanted.gro());
            }
            if (!wanted.txChecksum() && current.txChecksum()) {
                set(sock, ifname, request, Ethtool.ETHTOOL_STXCSUM, "ETHTOOL_STXCSUM", false);
            }
            return get(sock, ifname, request);
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    /**
     * Every netdev feature of the interface by its ethtool name (e.g. {@code "tx-tcp-segmentation"}), true where
     * active. For diagnostics; {@code ethtool -k} prints the same, grouped.
     */
    public static Map<String, Boolean> activeFeatures(String ifname) {
        If.checkName(ifname);
        final int sock = NetInterfaces.controlSocket(ifname);
        try {
            final Features features = Features.read(sock, ifname, If.ifreq(ifname));
            final Map<String, Boolean> result = new TreeMap<>();
            for (int bit = 0; bit < features.names.length; bit++) {
                result.put(features.names[bit], features.isActive(bit));
            }
            return result;
        } finally {
            Syscall.LIBC.close(sock);
        }
    }

    private static State get(int sock, String ifname, Request request) {
        final boolean gro = get(sock, ifname, request, Ethtool.ETHTOOL_GGRO, "ETHTOOL_GGRO");
        final boolean gso = get(sock, ifname, request, Ethtool.ETHTOOL_GGSO, "ETHTOOL_GGSO");
        final boolean tso = get(sock, ifname, request, Ethtool.ETHTOOL_GTSO, "ETHTOOL_GTSO")
                || Features.read(sock, ifname, request.ifr).anyActiveTcpSegmentation();
        final boolean txChecksum = get(sock, ifname, request, Ethtool.ETHTOOL_GTXCSUM, "ETHTOOL_GTXCSUM");
        return new State(gro, gso, tso, txChecksum);
    }

    /** Sets every available tx-tcp*-segmentation feature that the legacy ETHTOOL_STSO left different. */
    private static void setTcpSegmentation(int sock, String ifname, Request request, boolean on) {
        final Features features = Features.read(sock, ifname, request.ifr);
        final int blocks = features.active.length;
        final Pointer cmd = Syscall.allocate(Ethtool.ETHTOOL_FEATURES_BLOCKS + blocks
                * Ethtool.ETHTOOL_SET_FEATURES_BLOCK_SIZE);
        cmd.putInt(0, Ethtool.ETHTOOL_SFEATURES);
        cmd.putInt(4, blocks);
        boolean any = false;
        for (int bit = 0; bit < features.names.length; bit++) {
            if (isTcpSegmentation(features.names[bit]) && features.isAvailable(bit) && features.isActive(bit) != on) {
                final int at = Ethtool.ETHTOOL_FEATURES_BLOCKS + (bit >>> 5) * Ethtool.ETHTOOL_SET_FEATURES_BLOCK_SIZE;
                final int mask = 1 << (bit & 31);
                cmd.putInt(at, cmd.getInt(at) | mask);
                if (on) {
                    cmd.putInt(at + 4, cmd.getInt(at + 4) | mask);
                }
                any = true;
            }
        }
        if (any) {
            request.ifr.putAddress(If.IFR_IFRU, cmd.address());
            try {
                // A positive result (ETHTOOL_F_WISH, _UNSUPPORTED) means some bits stayed; get() reports what did.
                Syscall.ioctl(sock, Sockios.SIOCETHTOOL, request.ifr, "SIOCETHTOOL ETHTOOL_SFEATURES", ifname);
            } finally {
                request.ifr.putAddress(If.IFR_IFRU, request.value.address());
            }
        }
    }

    private static boolean isTcpSegmentation(String feature) {
        return feature.startsWith("tx-tcp") && feature.endsWith("-segmentation");
    }

    private static boolean get(int sock, String ifname, Request request, int cmd, String call) {
        request.value.putInt(Ethtool.ETHTOOL_VALUE_CMD, cmd);
        request.value.putInt(Ethtool.ETHTOOL_VALUE_DATA, 0);
        Syscall.ioctl(sock, Sockios.SIOCETHTOOL, request.ifr, "SIOCETHTOOL " + call, ifname);
        return request.value.getInt(Ethtool.ETHTOOL_VALUE_DATA) != 0;
    }

    private static void set(int sock, String ifname, Request request, int cmd, String call, boolean on) {
        request.value.putInt(Ethtool.ETHTOOL_VALUE_CMD, cmd);
        request.value.putInt(Ethtool.ETHTOOL_VALUE_DATA, on ? 1 : 0);
        if (Syscall.LIBC.ioctl(sock, Sockios.SIOCETHTOOL, request.ifr) < 0) {
            final int errno = Syscall.errno();
            if (errno != Errno.EOPNOTSUPP) {
                throw NativeException.of("SIOCETHTOOL " + call, ifname, errno);
            }
        }
    }

    /** An ifreq whose ifr_data points at an ethtool_value; both stay reachable as long as this object. */
    private static final class Request {
        final Pointer ifr;
        final Pointer value;

        Request(String ifname) {
            ifr = If.ifreq(ifname);
            value = Syscall.allocate(Ethtool.ETHTOOL_VALUE_SIZE);
            ifr.putAddress(If.IFR_IFRU, value.address());
        }
    }

    /** Feature names (ETH_SS_FEATURES strings) and the available and active bit words (ETHTOOL_GFEATURES). */
    private static final class Features {
        final String[] names;
        final int[] available;
        final int[] active;

        private Features(String[] names, int[] available, int[] active) {
            this.names = names;
            this.available = available;
            this.active = active;
        }

        /** Reads both with {@code ifr}, whose ifr_data this borrows and restores. */
        static Features read(int sock, String ifname, Pointer ifr) {
            final long saved = ifr.getAddress(If.IFR_IFRU);
            try {
                final Pointer info = Syscall.allocate(Ethtool.ETHTOOL_SSET_INFO_DATA + Integer.BYTES);
                info.putInt(0, Ethtool.ETHTOOL_GSSET_INFO);
                info.putLong(Ethtool.ETHTOOL_SSET_INFO_MASK, 1L << Ethtool.ETH_SS_FEATURES);
                ifr.putAddress(If.IFR_IFRU, info.address());
                Syscall.ioctl(sock, Sockios.SIOCETHTOOL, ifr, "SIOCETHTOOL ETHTOOL_GSSET_INFO", ifname);
                final int count = info.getInt(Ethtool.ETHTOOL_SSET_INFO_DATA);

                final Pointer strings = Syscall.allocate(Ethtool.ETHTOOL_GSTRINGS_DATA + count
                        * Ethtool.ETH_GSTRING_LEN);
                strings.putInt(0, Ethtool.ETHTOOL_GSTRINGS);
                strings.putInt(4, Ethtool.ETH_SS_FEATURES);
                strings.putInt(8, count);
                ifr.putAddress(If.IFR_IFRU, strings.address());
                Syscall.ioctl(sock, Sockios.SIOCETHTOOL, ifr, "SIOCETHTOOL ETHTOOL_GSTRINGS", ifname);
                final String[] names = new String[count];
                final byte[] raw = new byte[Ethtool.ETH_GSTRING_LEN];
                for (int i = 0; i < count; i++) {
                    strings.get(Ethtool.ETHTOOL_GSTRINGS_DATA + i * Ethtool.ETH_GSTRING_LEN, raw, 0, raw.length);
                    int length = 0;
                    while (length < raw.length && raw[length] != 0) {
                        length++;
                    }
                    names[i] = new String(raw, 0, length, StandardCharsets.US_ASCII);
                }

                final int blocks = (count + 31) / 32;
                final Pointer features = Syscall.allocate(Ethtool.ETHTOOL_FEATURES_BLOCKS + blocks
                        * Ethtool.ETHTOOL_GET_FEATURES_BLOCK_SIZE);
                features.putInt(0, Ethtool.ETHTOOL_GFEATURES);
                features.putInt(4, blocks);
                ifr.putAddress(If.IFR_IFRU, features.address());
                Syscall.ioctl(sock, Sockios.SIOCETHTOOL, ifr, "SIOCETHTOOL ETHTOOL_GFEATURES", ifname);
                final int[] available = new int[blocks];
                final int[] active = new int[blocks];
                for (int i = 0; i < blocks; i++) {
                    final int at = Ethtool.ETHTOOL_FEATURES_BLOCKS + i * Ethtool.ETHTOOL_GET_FEATURES_BLOCK_SIZE;
                    available[i] = features.getInt(at);
                    active[i] = features.getInt(at + Ethtool.ETHTOOL_GET_FEATURES_ACTIVE);
                }
                return new Features(names, available, active);
            } finally {
                ifr.putAddress(If.IFR_IFRU, saved);
            }
        }

        boolean isActive(int bit) {
            return (active[bit >>> 5] & (1 << (bit & 31))) != 0;
        }

        boolean isAvailable(int bit) {
            return (available[bit >>> 5] & (1 << (bit & 31))) != 0;
        }

        boolean anyActiveTcpSegmentation() {
            for (int bit = 0; bit < names.length; bit++) {
                if (isTcpSegmentation(names[bit]) && isActive(bit)) {
                    return true;
                }
            }
            return false;
        }
    }
}
