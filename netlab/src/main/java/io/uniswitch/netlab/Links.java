package io.uniswitch.netlab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Helpers around {@code ip} and {@code ethtool} for links in a namespace ({@code null} means the root namespace).
 *
 * <p>Every method acts on links by name, and names are expected to carry a per-run unique prefix (see
 * {@link Names}), so nothing here touches the machine's own interfaces. Failures throw {@link CmdException}.
 */
public final class Links {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern MAC = Pattern.compile("link/ether ([0-9a-f:]{17})");
    /** Offloads a forwarding switch cannot carry on sockets or taps without virtio-net headers. */
    private static final List<String> OFFLOADS = List.of("gro", "gso", "tso", "tx");

    private Links() {
    }

    /** Creates veth pair a/b with {@code a} in {@code nsA} and {@code b} in {@code nsB}, without passing through the
     * root namespace when neither end belongs there. */
    public static void veth(String a, Netns nsA, String b, Netns nsB) {
        Names.checkIfname(a);
        Names.checkIfname(b);
        if (nsA == null && nsB != null) {
            veth(b, nsB, a, null);
            return;
        }
        List<String> argv = ip(nsA);
        argv.addAll(List.of("link", "add", a, "type", "veth", "peer", "name", b));
        if (nsB != nsA && nsB != null) {
            argv.addAll(List.of("netns", nsB.name()));
        } else if (nsB == null && nsA != null) {
            argv.addAll(List.of("netns", "1"));
        }
        Cmd.run(TIMEOUT, argv);
    }

    /** Creates a kernel bridge (STP off, so ports forward as soon as they are up). */
    public static void bridge(Netns ns, String name) {
        run(ns, "link", "add", Names.checkIfname(name), "type", "bridge");
    }

    /** Creates a persistent tap device (owned by root, no vnet header) that a QEMU can attach to by name. */
    public static void tap(Netns ns, String name) {
        run(ns, "tuntap", "add", "dev", Names.checkIfname(name), "mode", "tap");
    }

    /** Enslaves {@code dev} to bridge {@code master}. */
    public static void setMaster(Netns ns, String dev, String master) {
        run(ns, "link", "set", "dev", dev, "master", master);
    }

    public static void addAddress(Netns ns, String dev, String cidr) {
        run(ns, "addr", "add", cidr, "dev", dev);
    }

    public static void up(Netns ns, String dev) {
        run(ns, "link", "set", "dev", dev, "up");
    }

    public static void down(Netns ns, String dev) {
        run(ns, "link", "set", "dev", dev, "down");
    }

    public static void setMtu(Netns ns, String dev, int mtu) {
        run(ns, "link", "set", "dev", dev, "mtu", Integer.toString(mtu));
    }

    /** Moves {@code dev} from namespace {@code from} to {@code to} ({@code null} is the root namespace). */
    public static void moveTo(String dev, Netns from, Netns to) {
        run(from, "link", "set", "dev", dev, "netns", to == null ? "1" : to.name());
    }

    public static boolean exists(Netns ns, String dev) {
        List<String> argv = ip(ns);
        argv.addAll(List.of("link", "show", "dev", dev));
        return Cmd.runAllowFail(TIMEOUT, argv).ok();
    }

    /** Deletes link {@code dev} if it exists (deleting one end of a veth removes both). */
    public static void delete(Netns ns, String dev) {
        if (!exists(ns, dev)) {
            return;
        }
        List<String> argv = ip(ns);
        argv.addAll(List.of("link", "del", "dev", dev));
        Cmd.Result result = Cmd.runAllowFail(TIMEOUT, argv);
        if (!result.ok() && exists(ns, dev)) {
            throw CmdException.failed(argv, result);
        }
    }

    /** The link's MAC address, lowercase with colons. */
    public static String macAddress(Netns ns, String dev) {
        List<String> argv = ip(ns);
        argv.addAll(List.of("link", "show", "dev", dev));
        String out = Cmd.run(TIMEOUT, argv).stdout();
        Matcher matcher = MAC.matcher(out);
        if (!matcher.find()) {
            throw new IllegalStateException("no MAC address for " + dev + " in: " + out.strip());
        }
        return matcher.group(1);
    }

    /**
     * Paces everything {@code dev} sends to {@code rateBitsPerSecond}: a token bucket ({@code tc qdisc replace ...
     * root tbf}) of {@code burstBytes} over a queue of {@code limitBytes}. Frames beyond a full queue are dropped
     * (and counted by the qdisc, not as the device's tx frames); a packet socket that sends through the qdisc is
     * held back by its send buffer first.
     */
    public static void pace(Netns ns, String dev, long rateBitsPerSecond, int burstBytes, int limitBytes) {
        tc(ns, true, "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rateBitsPerSecond + "bit", "burst",
                Integer.toString(burstBytes), "limit", Integer.toString(limitBytes));
    }

    /** Removes what {@link #pace} set: the device's root qdisc goes back to its default. */
    public static void unpace(Netns ns, String dev) {
        // No root qdisc to delete is fine: the device was not paced.
        tc(ns, false, "qdisc", "del", "dev", dev, "root");
    }

    /** Runs tc in ns (null: here); with {@code mustSucceed}, a non-zero exit throws. */
    private static void tc(Netns ns, boolean mustSucceed, String... args) {
        List<String> argv = new ArrayList<>(List.of(Tools.require("tc", "iproute2").toString()));
        argv.addAll(List.of(args));
        List<String> command = ns == null ? argv : ns.wrap(argv);
        if (mustSucceed) {
            Cmd.run(TIMEOUT, command);
        } else {
            Cmd.runAllowFail(TIMEOUT, command);
        }
    }

    /**
     * A counter of {@code dev} from {@code /sys/class/net/DEV/statistics/} ({@code rx_packets}, {@code tx_packets},
     * {@code rx_dropped}, ...), read inside {@code ns}: {@code ip netns exec} mounts that namespace's sysfs.
     */
    public static long statistic(Netns ns, String dev, String counter) {
        if (!counter.matches("[a-z_]+")) {
            throw new IllegalArgumentException("bad counter name: " + counter);
        }
        List<String> argv = List.of(Tools.require("cat", "coreutils").toString(),
                "/sys/class/net/" + Names.checkIfname(dev) + "/statistics/" + counter);
        String out = Cmd.run(TIMEOUT, ns == null ? argv : ns.wrap(argv)).stdout().strip();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(counter + " of " + dev + " is not a number: '" + out + "'", e);
        }
    }

    /**
     * {@code ethtool -K dev gro off gso off tso off tx off}, one feature at a time, ignoring features the driver
     * cannot change: a userspace switch reading frames without virtio-net headers cannot carry GSO super-frames or
     * frames with a pending checksum.
     */
    public static void offloadsOff(Netns ns, String dev) {
        String ethtool = Tools.ethtool();
        for (String feature : OFFLOADS) {
            List<String> argv = List.of(ethtool, "-K", dev, feature, "off");
            Cmd.runAllowFail(TIMEOUT, ns == null ? argv : ns.wrap(argv));
        }
    }

    private static void run(Netns ns, String... args) {
        List<String> argv = ip(ns);
        argv.addAll(List.of(args));
        Cmd.run(TIMEOUT, argv);
    }

    private static List<String> ip(Netns ns) {
        List<String> argv = new ArrayList<>();
        argv.add(Tools.ip());
        if (ns != null) {
            argv.add("-n");
            argv.add(ns.name());
        }
        return argv;
    }
}
