package io.uniswitch.daemon.config;

import io.uniswitch.metrics.MetricsServer;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates a switch config file. Every error is a {@link ConfigException} that names the file, the line,
 * what is wrong and the fix. Unknown keys are errors, so a typo never silently falls back to a default.
 *
 * <p>This checks only what can be checked without touching the system; whether interfaces exist is checked when the
 * switch starts, before anything is created.
 */
public final class ConfigLoader {
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65535;
    public static final int MAX_IFNAME_BYTES = 15;

    private static final Set<String> TOP_KEYS = Set.of("switch", "fdb", "ports", "control", "dataplane", "metrics");
    private static final Set<String> METRICS_KEYS = Set.of("address");
    private static final Set<String> DATAPLANE_KEYS = Set.of("busy-poll", "offloads", "ring");
    private static final Duration MAX_BUSY_POLL = Duration.ofMillis(10);
    private static final Set<String> FDB_KEYS = Set.of("ageing", "max-entries", "max-entries-per-port", "static");
    private static final Set<String> STATIC_KEYS = Set.of("mac", "port", "vlan");
    private static final Set<String> CONTROL_KEYS = Set.of("socket", "group");
    private static final Set<String> TAP_KEYS = Set.of("name", "type", "mtu", "address", "mac", "persist", "queue");
    private static final Set<String> NETDEV_KEYS = Set.of("name", "type", "mtu", "queue");
    private static final Set<String> TENDER_KEYS = Set.of("name", "type", "mode", "mtu", "user", "group", "mac",
            "queue", "command", "stop-timeout", "buffer");
    /** A user or group name as useradd accepts it, or a numeric id. */
    private static final Set<String> QEMU_KEYS = Set.of("name", "type", "socket", "mode", "mtu", "queue");
    private static final Set<String> VHOST_USER_KEYS = Set.of("name", "type", "socket", "mode", "mtu", "queue");
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    private static final java.util.regex.Pattern ACCOUNT = java.util.regex.Pattern.compile(
            "[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|[0-9]{1,10}");

    private final String source;

    private ConfigLoader(String source) {
        this.source = source;
    }

    /** Loads and validates the config file at {@code path}. */
    public static SwitchConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path.toString(), 0,
                    "no such file; pass an existing config with --config (deploy/uniswitch.yaml is an example)");
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    /** Parses and validates config text; {@code source} names it in error messages. */
    public static SwitchConfig parse(String source, String text) {
        return new ConfigLoader(source).parseRoot(text);
    }

    private SwitchConfig parseRoot(String text) {
        Node root;
        try (Reader reader = new StringReader(text)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new ConfigException(source, line, "not valid YAML: " + e.getProblem());
        } catch (YAMLException | IOException e) {
            throw new ConfigException(source, 0, "not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new ConfigException(source, 0, "the file is empty; it needs at least `switch:` and `ports:`");
        }
        Map<String, NodeTuple> top = mapping(root, "the top level", TOP_KEYS);

        String switchName = requiredString(top, "switch", root, "the top level");
        checkIfName(switchName, top.get("switch").getValueNode(), "switch name");

        Duration ageing = SwitchConfig.DEFAULT_AGEING;
        int maxEntries = SwitchConfig.DEFAULT_FDB_MAX_ENTRIES;
        int maxPerPort = SwitchConfig.DEFAULT_FDB_MAX_ENTRIES_PER_PORT;
        List<PendingStatic> statics = new ArrayList<>();
        NodeTuple fdbTuple = top.get("fdb");
        if (fdbTuple != null) {
            Map<String, NodeTuple> fdb = mapping(fdbTuple.getValueNode(), "fdb", FDB_KEYS);
            if (fdb.containsKey("ageing")) {
                ageing = duration(fdb.get("ageing").getValueNode(), "fdb.ageing");
            }
            if (fdb.containsKey("max-entries")) {
                maxEntries = integer(fdb.get("max-entries").getValueNode(), "fdb.max-entries", 1, 1 << 24);
            }
            if (fdb.containsKey("max-entries-per-port")) {
                maxPerPort = integer(fdb.get("max-entries-per-port").getValueNode(), "fdb.max-entries-per-port", 1,
                        1 << 24);
            }
            if (fdb.containsKey("static")) {
                for (Node item : sequence(fdb.get("static").getValueNode(), "fdb.static")) {
                    statics.add(staticEntry(item));
                }
            }
        }
        if (maxPerPort > maxEntries) {
            maxPerPort = maxEntries;
        }

        Path socket = SwitchConfig.defaultControlSocket(switchName);
        String controlGroup = null;
        NodeTuple controlTuple = top.get("control");
        if (controlTuple != null) {
            Map<String, NodeTuple> control = mapping(controlTuple.getValueNode(), "control", CONTROL_KEYS);
            if (control.containsKey("socket")) {
                Node n = control.get("socket").getValueNode();
                String s = scalar(n, "control.socket");
                if (!s.startsWith("/")) {
                    throw error(n, "control.socket \"" + s + "\" must be an absolute path, e.g. /run/uniswitch/"
                            + switchName + ".sock");
                }
                socket = Path.of(s);
            }
            if (control.containsKey("group")) {
                controlGroup = scalar(control.get("group").getValueNode(), "control.group");
            }
        }

        Duration busyPoll = SwitchConfig.DEFAULT_BUSY_POLL;
        boolean vnetOffloads = false;
        boolean offloadsAuto = true;
        int ringBytes = 0;
        NodeTuple dataplaneTuple = top.get("dataplane");
        if (dataplaneTuple != null) {
            Map<String, NodeTuple> dp = mapping(dataplaneTuple.getValueNode(), "dataplane", DATAPLANE_KEYS);
            if (dp.containsKey("busy-poll")) {
                Node n = dp.get("busy-poll").getValueNode();
                busyPoll = duration(n, "dataplane.busy-poll");
                if (busyPoll.compareTo(MAX_BUSY_POLL) > 0) {
                    throw error(n, "dataplane.busy-poll " + scalar(n, "busy-poll") + " is longer than 10ms; it is a "
                            + "short spin after traffic (default 50us, 0 to always sleep at once)");
                }
            }
            if (dp.containsKey("ring")) {
                ringBytes = bytes(dp.get("ring").getValueNode(), "dataplane.ring", 1 << 20, 1 << 30);
            }
            if (dp.containsKey("offloads")) {
                Node n = dp.get("offloads").getValueNode();
                String mode = scalar(n, "dataplane.offloads");
                if (mode.equals("vnet")) {
                    vnetOffloads = true;
                    offloadsAuto = false;
                } else if (mode.equals("off")) {
                    offloadsAuto = false;
                } else if (!mode.equals("auto")) {
                    throw error(n, "dataplane.offloads \"" + mode + "\" is not a mode; use auto (the default: "
                            + "vnet when every port can carry it, else off), vnet (offloads kept on, super-frames "
                            + "carried with a virtio_net_hdr) or off (GRO, GSO, TSO and tx checksumming turned off "
                            + "on every interface)");
                }
            }
        }

        String metricsAddress = SwitchConfig.DEFAULT_METRICS_ADDRESS;
        NodeTuple metricsTuple = top.get("metrics");
        if (metricsTuple != null) {
            Map<String, NodeTuple> m = mapping(metricsTuple.getValueNode(), "metrics", METRICS_KEYS);
            if (m.containsKey("address")) {
                Node n = m.get("address").getValueNode();
                String a = scalar(n, "metrics.address");
                if (a.equals("off") || a.equals("false")) {
                    metricsAddress = null;
                } else {
                    try {
                        MetricsServer.parseAddress(a);
                    } catch (IllegalArgumentException e) {
                        throw error(n, "metrics.address: " + e.getMessage());
                    }
                    metricsAddress = a;
                }
            }
        }

        NodeTuple portsTuple = top.get("ports");
        if (portsTuple == null) {
            throw error(root, "missing `ports:`; declare at least one port, e.g.\n  ports:\n"
                    + "    - {name: tap100, type: netdev}");
        }
        List<PortConfig> ports = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Map<java.nio.file.Path, PortConfig> sockets = new HashMap<>();
        for (Node item : sequence(portsTuple.getValueNode(), "ports")) {
            PortConfig p = port(item);
            Integer previous = seen.putIfAbsent(p.name(), p.line());
            if (previous != null) {
                throw error(item, "port \"" + p.name() + "\" is declared twice (first on line " + previous
                        + "); give each port its own interface name");
            }
            if (p.socket() != null) {
                // One socket, one VM: a client port aimed at another port's socket would connect the switch to
                // itself, and two ports on one path would fight over it.
                PortConfig other = sockets.putIfAbsent(p.socket().normalize(), p);
                if (other != null) {
                    throw error(item, "port \"" + p.name() + "\": socket " + p.socket() + " is port \""
                            + other.name() + "\"'s already (line " + other.line() + "); give each VM its own socket");
                }
            }
            if (vnetOffloads && !offloadsAuto && !carriesVnet(p)) {
                throw error(item, "port \"" + p.name() + "\": dataplane.offloads: vnet needs every port to carry "
                        + "virtio_net_hdr metadata, and a " + describe(p) + " port cannot yet; use offloads: off, or "
                        + "attach this VM or tender another way");
            }
            ports.add(p);
        }
        if (ports.isEmpty()) {
            throw error(portsTuple.getValueNode(), "`ports:` is empty; declare at least one port");
        }
        if (offloadsAuto) {
            vnetOffloads = ports.stream().allMatch(ConfigLoader::carriesVnet);
        }
        List<StaticEntry> staticEntries = new ArrayList<>();
        for (PendingStatic s : statics) {
            if (!seen.containsKey(s.port)) {
                throw error(s.portNode, "static entry names port \"" + s.port
                        + "\", which is not declared under ports:");
            }
            staticEntries.add(new StaticEntry(s.mac, s.port, s.vlan, line(s.portNode)));
        }
        return new SwitchConfig(switchName, ageing, maxEntries, maxPerPort, List.copyOf(ports),
                List.copyOf(staticEntries), socket, controlGroup, busyPoll, vnetOffloads, offloadsAuto, ringBytes,
                metricsAddress, source);
    }

    /**
     * Whether a port can carry vnet headers: AF_PACKET ports (netdev, tender taps) and switch-owned taps can; qemu
     * sockets, vhost-user (no offload features negotiated) and socketpair tenders cannot.
     */
    public static boolean carriesVnet(PortConfig p) {
        return p.type() == PortType.NETDEV || p.type() == PortType.TAP
                || (p.type() == PortType.TENDER && p.tenderMode() == TenderMode.TAP);
    }

    /** Why offload mode vnet is not in effect under {@code auto}: the first port that cannot carry it, or null. */
    public static String vnetBlocker(SwitchConfig c) {
        for (PortConfig p : c.ports()) {
            if (!carriesVnet(p)) {
                return "port " + p.name() + " is a " + describe(p) + " port, which cannot carry vnet headers";
            }
        }
        return null;
    }

    private static String describe(PortConfig p) {
        return p.type() == PortType.TENDER ? "tender (mode " + p.tenderMode().configName() + ")"
                : p.type().configName();
    }

    private record PendingStatic(long mac, String port, int vlan, Node portNode) {
    }

    private PendingStatic staticEntry(Node item) {
        Map<String, NodeTuple> m = mapping(item, "a static fdb entry", STATIC_KEYS);
        String macText = requiredString(m, "mac", item, "a static fdb entry");
        long mac = mac(m.get("mac").getValueNode(), macText);
        if ((mac & 0x0100_0000_0000L) != 0) {
            throw error(m.get("mac").getValueNode(), "static entry mac " + macText
                    + " is a multicast address; static entries take unicast MACs");
        }
        String port = requiredString(m, "port", item, "a static fdb entry");
        int vlan = m.containsKey("vlan") ? integer(m.get("vlan").getValueNode(), "vlan", 0, 4094) : 0;
        return new PendingStatic(mac, port, vlan, m.get("port").getValueNode());
    }

    private PortConfig port(Node item) {
        if (!(item instanceof MappingNode)) {
            throw error(item, "each port is a mapping such as {name: tap100, type: netdev}");
        }
        Map<String, NodeTuple> raw = mapping(item, "a port", null);
        String name = requiredString(raw, "name", item, "a port");
        checkIfName(name, raw.get("name").getValueNode(), "port name");
        String where = "port \"" + name + "\"";
        String typeText = requiredString(raw, "type", item, where);
        PortType type = PortType.parse(typeText);
        if (type == null) {
            throw error(raw.get("type").getValueNode(), where + ": unknown type \"" + typeText
                    + "\"; use one of: tap (a tap device the switch owns), netdev (an existing interface), "
                    + "tender (a solo5 tender's network), qemu (a VM's NIC over a unix socket), vhost-user (a VM's "
                    + "virtio-net device served by the switch)");
        }
        Set<String> allowed = type == PortType.TAP ? TAP_KEYS : type == PortType.TENDER ? TENDER_KEYS
                : type == PortType.QEMU ? QEMU_KEYS : type == PortType.VHOST_USER ? VHOST_USER_KEYS : NETDEV_KEYS;
        for (NodeTuple t : raw.values()) {
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            if (!allowed.contains(key)) {
                String extra = "";
                if (key.equals("address") || key.equals("persist")) {
                    extra = " (`" + key + "` applies to type tap only)";
                } else if (key.equals("mac")) {
                    extra = " (`mac` applies to types tap and tender only)";
                } else if (key.equals("socket")) {
                    extra = " (`socket` applies to types qemu and vhost-user only)";
                } else if (key.equals("mode")) {
                    extra = " (`mode` applies to types tender, qemu and vhost-user only)";
                } else if (key.equals("user") || key.equals("group") || key.equals("command")
                        || key.equals("stop-timeout") || key.equals("buffer")) {
                    extra = " (`" + key + "` applies to type tender only)";
                }
                throw error(t.getKeyNode(), where + ": unknown key \"" + key + "\"" + extra + "; allowed: "
                        + String.join(", ", sorted(allowed)));
            }
        }
        int mtu = 0;
        if (raw.containsKey("mtu")) {
            mtu = integer(raw.get("mtu").getValueNode(), where + ": mtu", MIN_MTU, MAX_MTU);
        } else if (type == PortType.TAP || type == PortType.TENDER || type == PortType.QEMU
                || type == PortType.VHOST_USER) {
            mtu = PortConfig.DEFAULT_TAP_MTU;
        }
        TenderMode mode = null;
        if (type == PortType.TENDER) {
            mode = TenderMode.TAP;
            if (raw.containsKey("mode")) {
                Node n = raw.get("mode").getValueNode();
                String m = scalar(n, where + ": mode");
                mode = TenderMode.parse(m);
                if (mode == null) {
                    throw error(n, where + ": unknown mode \"" + m + "\"; use mode: tap (a tap the switch provisions, "
                            + "the default) or mode: fd (a socketpair passed to the tender as --net:NAME=@3)");
                }
                if (mode == TenderMode.FD && !raw.containsKey("command")) {
                    throw error(n, where + ": mode fd needs `command:`: the switch hands the socket to the tender it "
                            + "starts (as fd 3), so a tender started elsewhere cannot get it; add command: [...] or "
                            + "use mode: tap");
                }
            }
        }
        java.nio.file.Path socket = null;
        QemuMode qemuMode = null;
        if (type == PortType.QEMU) {
            socket = socketPath(raw, item, where);
            qemuMode = QemuMode.STREAM;
            if (raw.containsKey("mode")) {
                Node n = raw.get("mode").getValueNode();
                String m = scalar(n, where + ": mode");
                qemuMode = QemuMode.parse(m);
                if (qemuMode == null) {
                    throw error(n, where + ": unknown mode \"" + m + "\"; use mode: stream (QEMU -netdev stream, the "
                            + "default) or mode: dgram (QEMU -netdev dgram)");
                }
            }
        }
        boolean connect = false;
        if (type == PortType.VHOST_USER) {
            socket = socketPath(raw, item, where);
            if (raw.containsKey("mode")) {
                Node n = raw.get("mode").getValueNode();
                String m = scalar(n, where + ": mode");
                connect = m.equals("client");
                if (!connect && !m.equals("server")) {
                    throw error(n, where + ": unknown mode \"" + m + "\"; use mode: server (the default: the switch "
                            + "listens, QEMU connects) or mode: client (QEMU listens with -chardev "
                            + "socket,server=on,wait=off, the switch connects)");
                }
            }
        }
        String user = raw.containsKey("user") ? account(raw.get("user").getValueNode(), where + ": user") : null;
        String group = raw.containsKey("group") ? account(raw.get("group").getValueNode(), where + ": group") : null;
        Ipv4Cidr address = null;
        if (raw.containsKey("address")) {
            Node n = raw.get("address").getValueNode();
            try {
                address = Ipv4Cidr.parse(scalar(n, where + ": address"));
            } catch (IllegalArgumentException e) {
                throw error(n, where + ": " + e.getMessage());
            }
        }
        long mac = -1;
        if (raw.containsKey("mac")) {
            Node n = raw.get("mac").getValueNode();
            mac = mac(n, scalar(n, where + ": mac"));
            if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
                throw error(n, where + ": mac " + scalar(n, "mac") + " is multicast or zero; use a unicast MAC such as "
                        + "02:00:00:00:00:01");
            }
        }
        boolean persist = raw.containsKey("persist") && bool(raw.get("persist").getValueNode(), where + ": persist");
        int queue = PortConfig.DEFAULT_QUEUE_FRAMES;
        if (raw.containsKey("queue")) {
            queue = integer(raw.get("queue").getValueNode(), where + ": queue", 16, 1 << 16);
        }
        List<String> command = List.of();
        if (raw.containsKey("command")) {
            command = command(raw.get("command").getValueNode(), where, mac >= 0);
        }
        Duration stopTimeout = PortConfig.DEFAULT_STOP_TIMEOUT;
        if (raw.containsKey("stop-timeout")) {
            Node n = raw.get("stop-timeout").getValueNode();
            stopTimeout = duration(n, where + ": stop-timeout");
            if (stopTimeout.isZero() || stopTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw error(n, where + ": stop-timeout must be more than 0 and at most 5m; write e.g. 5s");
            }
        }
        int buffer = 0;
        if (raw.containsKey("buffer")) {
            Node n = raw.get("buffer").getValueNode();
            if (mode != TenderMode.FD) {
                throw error(n, where + ": `buffer` applies to mode fd only (a tap has no socket buffer to size); "
                        + "remove it or set mode: fd");
            }
            buffer = bytes(n, where + ": buffer", 1 << 20, 1 << 30);
        } else if (mode == TenderMode.FD) {
            buffer = PortConfig.DEFAULT_TENDER_BUFFER_BYTES;
        }
        return new PortConfig(name, type, mtu, address, mac, persist, mode, user, group, queue, command, stopTimeout,
                socket, qemuMode, connect, buffer, line(item));
    }

    /** A qemu port's socket: an absolute path that fits in sun_path. Whether it exists is checked at start. */
    private java.nio.file.Path socketPath(Map<String, NodeTuple> raw, Node item, String where) {
        String text = requiredString(raw, "socket", item, where);
        Node n = raw.get("socket").getValueNode();
        if (!text.startsWith("/")) {
            throw error(n, where + ": socket \"" + text + "\" is not an absolute path; write e.g. "
                    + "socket: /run/uniswitch/" + "vm1.sock");
        }
        if (text.endsWith("/")) {
            throw error(n, where + ": socket \"" + text + "\" names a directory; add a file name, e.g. vm1.sock");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw error(n, where + ": socket path is longer than " + MAX_SOCKET_PATH_BYTES
                    + " bytes (the limit of a unix socket address); choose a shorter path");
        }
        try {
            return java.nio.file.Path.of(text).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw error(n, where + ": socket \"" + text + "\" is not a valid path: " + e.getReason());
        }
    }

    /**
     * A tender's command: a non-empty list of plain strings. {@code {port}} stands for the tap name (or {@code @N} in
     * mode fd) and {@code {mac}} for the pinned MAC, which must then be set.
     */
    private List<String> command(Node node, String where, boolean hasMac) {
        List<Node> items = sequence(node, where + ": command");
        if (items.isEmpty()) {
            throw error(node, where + ": command is empty; write the tender's argv, e.g. [solo5-hvt, --mem=64M, "
                    + "\"--net:service={port}\", --, /srv/app.hvt], or leave `command:` out when the tender is "
                    + "started elsewhere");
        }
        List<String> argv = new ArrayList<>();
        for (Node item : items) {
            String a = scalar(item, where + ": each command argument");
            if (a.contains("{mac}") && !hasMac) {
                throw error(item, where + ": the command uses {mac} but the port has no `mac:`; set mac: (the "
                        + "unikernel's MAC, also enforced on ingress) or drop the placeholder");
            }
            argv.add(a);
        }
        if (argv.get(0).isEmpty()) {
            throw error(items.get(0), where + ": the command's program is empty");
        }
        return List.copyOf(argv);
    }

    /** A user or group: a name or a numeric id. Whether it exists is checked when the switch starts. */
    private String account(Node node, String what) {
        String s = scalar(node, what);
        if (!ACCOUNT.matcher(s).matches() || (s.chars().allMatch(Character::isDigit) && Long.parseLong(s)
                > Integer.MAX_VALUE - 1)) {
            throw error(node, what + " \"" + s + "\" is neither a user/group name nor a numeric id; write e.g. "
                    + "solo5 or 1000");
        }
        return s;
    }

    // ---- node helpers ----

    private Map<String, NodeTuple> mapping(Node node, String what, Set<String> allowed) {
        if (!(node instanceof MappingNode)) {
            throw error(node, what + " must be a mapping of keys to values");
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode)) {
                throw error(t.getKeyNode(), "keys in " + what + " must be plain words");
            }
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            if (allowed != null && !allowed.contains(key)) {
                throw error(t.getKeyNode(), "unknown key \"" + key + "\" in " + what + "; allowed: "
                        + String.join(", ", sorted(allowed)));
            }
            if (out.put(key, t) != null) {
                throw error(t.getKeyNode(), "key \"" + key + "\" appears twice in " + what);
            }
        }
        return out;
    }

    private List<Node> sequence(Node node, String what) {
        if (!(node instanceof SequenceNode)) {
            throw error(node, what + " must be a list (items start with \"- \")");
        }
        return ((SequenceNode) node).getValue();
    }

    private String scalar(Node node, String what) {
        if (!(node instanceof ScalarNode)) {
            throw error(node, what + " must be a single value, not a list or mapping");
        }
        return ((ScalarNode) node).getValue();
    }

    private String requiredString(Map<String, NodeTuple> m, String key, Node parent, String what) {
        NodeTuple t = m.get(key);
        if (t == null) {
            throw error(parent, what + " is missing `" + key + ":`");
        }
        String v = scalar(t.getValueNode(), key);
        if (v.isEmpty()) {
            throw error(t.getValueNode(), "`" + key + ":` in " + what + " is empty");
        }
        return v;
    }

    private int integer(Node node, String what, int min, int max) {
        String s = scalar(node, what);
        long v;
        try {
            v = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw error(node, what + " \"" + s + "\" is not a whole number; use a value from " + min + " to " + max);
        }
        if (v < min || v > max) {
            throw error(node, what + " " + v + " is out of range; use a value from " + min + " to " + max);
        }
        return (int) v;
    }

    private boolean bool(Node node, String what) {
        String s = scalar(node, what).toLowerCase(Locale.ROOT);
        switch (s) {
            case "true":
            case "yes":
            case "on":
                return true;
            case "false":
            case "no":
            case "off":
                return false;
            default:
                throw error(node, what + " \"" + s + "\" is not true or false");
        }
    }

    private long mac(Node node, String text) {
        String[] parts = text.split(":", -1);
        if (parts.length == 6) {
            long mac = 0;
            boolean ok = true;
            for (String p : parts) {
                if (p.length() != 2) {
                    ok = false;
                    break;
                }
                int hi = Character.digit(p.charAt(0), 16);
                int lo = Character.digit(p.charAt(1), 16);
                if (hi < 0 || lo < 0) {
                    ok = false;
                    break;
                }
                mac = (mac << 8) | (hi << 4) | lo;
            }
            if (ok) {
                return mac;
            }
        }
        throw error(node, "mac \"" + text + "\" is not a MAC address; write six hex pairs such as 02:00:00:00:00:01");
    }

    /** Parses a size: 128MiB, 64M, 512KiB, 1GiB, or a plain number of bytes; within min..max bytes. */
    private int bytes(Node node, String what, int min, int max) {
        String s = scalar(node, what).trim();
        String lower = s.toLowerCase(Locale.ROOT);
        long unit = 1;
        String digits = lower;
        final String[] suffixes = {"kib", "k", "mib", "m", "gib", "g"};
        final long[] units = {1L << 10, 1L << 10, 1L << 20, 1L << 20, 1L << 30, 1L << 30};
        for (int i = 0; i < suffixes.length; i++) {
            if (lower.endsWith(suffixes[i])) {
                digits = lower.substring(0, lower.length() - suffixes[i].length()).trim();
                unit = units[i];
                break;
            }
        }
        long v;
        try {
            v = Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw error(node, what + " \"" + s + "\" is not a size; write e.g. 16MiB, 128MiB or 1GiB");
        }
        if (v < min || v > max) {
            throw error(node, what + " " + s + " is out of range; use " + (min >> 20) + "MiB to " + (max >> 30)
                    + "GiB");
        }
        return (int) v;
    }

    /** Parses 300s, 5m, 1h, 500ms, 50us, or a plain number of seconds. */
    private Duration duration(Node node, String what) {
        String s = scalar(node, what).trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("us")) {
            try {
                long us = Long.parseLong(s.substring(0, s.length() - 2).trim());
                if (us >= 0 && us <= 1_000_000_000L) {
                    return Duration.ofNanos(us * 1000);
                }
            } catch (NumberFormatException e) {
                // Reported below with the general message.
            }
            throw error(node, what + " \"" + s + "\" is not a duration; write e.g. 50us, 300s, 5m, 1h");
        }
        String digits = s;
        long unitMs = 1000;
        if (s.endsWith("ms")) {
            digits = s.substring(0, s.length() - 2);
            unitMs = 1;
        } else if (s.endsWith("s")) {
            digits = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            digits = s.substring(0, s.length() - 1);
            unitMs = 60_000;
        } else if (s.endsWith("h")) {
            digits = s.substring(0, s.length() - 1);
            unitMs = 3_600_000;
        }
        long v;
        try {
            v = Long.parseLong(digits.trim());
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 0 || v > 1_000_000_000L / Math.max(1, unitMs / 1000)) {
            throw error(node, what + " \"" + s + "\" is not a duration; write e.g. 300s, 5m, 1h, or 0 to disable "
                    + "learning");
        }
        return Duration.ofMillis(v * unitMs);
    }

    private void checkIfName(String name, Node node, String what) {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_IFNAME_BYTES) {
            throw error(node, what + " \"" + name + "\" is longer than " + MAX_IFNAME_BYTES
                    + " bytes, the kernel's limit for interface names; choose a shorter name");
        }
        if (name.equals(".") || name.equals("..")) {
            throw error(node, what + " \"" + name + "\" is not a valid interface name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c == '.';
            if (!ok) {
                throw error(node, what + " \"" + name + "\" contains '" + c
                        + "'; use letters, digits, '-', '_' and '.' only");
            }
        }
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> l = new ArrayList<>(keys);
        l.sort(null);
        return l;
    }

    private ConfigException error(Node node, String message) {
        return new ConfigException(source, line(node), message);
    }

    private static int line(Node node) {
        return node != null && node.getStartMark() != null ? node.getStartMark().getLine() + 1 : 0;
    }
}
