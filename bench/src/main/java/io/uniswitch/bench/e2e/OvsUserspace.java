package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Open vSwitch's userspace datapath as a switch under test: Debian's openvswitch-switch, started by the harness with
 * a private database, run, log and configuration directory under a fresh temporary directory, inside the switch
 * namespace so that it sees {@code pa} and {@code pb}. Bridge {@code br0} has {@code datapath_type=netdev} and the
 * two veths as system ports (AF_PACKET sockets), with OVS's default NORMAL flow: a learning switch, as uniswitch is.
 *
 * <p>Invariant: {@code ovsdb-server} and {@code ovs-vswitchd} run in the foreground as children of this JVM (no
 * {@code --detach}), so the processes started here are exactly the daemons and {@link #close} ends them by their own
 * pids; nothing of OVS runs system-wide. {@code ip netns exec} and {@code env} exec the daemon, so the pid of the
 * {@link Process} is the daemon's (checked against its pidfile). Driven by the benchmark's main thread; {@link #close}
 * is idempotent and may also run from the shutdown hook.
 */
final class OvsUserspace implements Dut {
    static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /** Ports of br0, switch ends of the veths in the switch namespace. */
    private final List<String> ports;
    /** other_config:mac-table-size, or 0 for OVS's default (8192 in OVS 3.1). */
    private final int macTableSize;
    private Path dir;
    private Process ovsdb;
    private Process vswitchd;

    /** The switch scenario's OVS: ports {@code pa} and {@code pb}, OVS's default MAC table. */
    OvsUserspace() {
        this(List.of("pa", "pb"), 0);
    }

    OvsUserspace(List<String> ports, int macTableSize) {
        this.ports = List.copyOf(ports);
        this.macTableSize = macTableSize;
    }

    @Override
    public String id() {
        return "ovs";
    }

    @Override
    public String name() {
        return "ovs userspace";
    }

    @Override
    public String shortName() {
        return "ovs";
    }

    @Override
    public boolean skippable() {
        return true;
    }

    /**
     * Installs openvswitch-switch if it is missing (through {@link Tools#require}, which runs apt-get) and checks the
     * tools and schema are there. Returns null when OVS can be tried, otherwise the reason it cannot.
     */
    static String unavailableReason() {
        try {
            Tools.require("ovs-vswitchd", "openvswitch-switch");
            for (String tool : List.of("ovsdb-server", "ovsdb-tool", "ovs-vsctl", "ovs-appctl")) {
                Tools.require(tool, "openvswitch-common");
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        if (!Files.isReadable(SCHEMA)) {
            return "no OVS database schema at " + SCHEMA;
        }
        return null;
    }

    @Override
    public void start(Netns sw) throws Exception {
        dir = Files.createTempDirectory("uniswitch-bench-ovs-");
        try {
            Path db = dir.resolve("conf.db");
            Path sock = dir.resolve("db.sock");
            Cmd.Result created = Cmd.runAllowFail(CMD_TIMEOUT, env(), List.of(tool("ovsdb-tool"), "create",
                    db.toString(), SCHEMA.toString()));
            if (!created.ok()) {
                throw new IllegalStateException("ovsdb-tool create failed: " + created.stderr().strip());
            }
            ovsdb = sw.spawn(withEnv(tool("ovsdb-server"), db.toString(), "--remote=punix:" + sock,
                    "--pidfile=" + dir.resolve("ovsdb-server.pid"), "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                    "--log-file=" + dir.resolve("ovsdb-server.log")), dir.resolve("ovsdb-server.out"));
            awaitSocket(ovsdb, "ovsdb-server", sock);
            vsctl(sw, "--no-wait", "init");
            vswitchd = sw.spawn(withEnv(tool("ovs-vswitchd"), "unix:" + sock,
                    "--pidfile=" + dir.resolve("ovs-vswitchd.pid"), "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"),
                    "--log-file=" + dir.resolve("ovs-vswitchd.log")), dir.resolve("ovs-vswitchd.out"));
            // Its control socket appears once it runs; waiting for it turns a daemon that dies at once into an
            // immediate skip reason rather than an ovs-vsctl timeout.
            awaitSocket(vswitchd, "ovs-vswitchd", dir.resolve("ovs-vswitchd.ctl"));
            // Without --no-wait, ovs-vsctl returns once ovs-vswitchd has applied the change (or fails on --timeout).
            List<String> addBridge = new ArrayList<>(List.of("--timeout=20", "add-br", "br0", "--", "set", "bridge",
                    "br0", "datapath_type=netdev"));
            if (macTableSize > 0) {
                addBridge.add("other_config:mac-table-size=" + macTableSize);
            }
            for (String port : ports) {
                addBridge.addAll(List.of("--", "add-port", "br0", port));
            }
            vsctl(sw, addBridge.toArray(new String[0]));
            Links.up(sw, "br0");
            checkPidfile("ovsdb-server", ovsdb);
            checkPidfile("ovs-vswitchd", vswitchd);
        } catch (Exception | Error e) {
            String message = String.valueOf(e.getMessage());
            String logs = tail("ovs-vswitchd");
            close();
            boolean addLogs = !logs.isEmpty() && !message.contains(logs);
            throw new IllegalStateException(message + (addLogs ? "; ovs-vswitchd log: " + logs : ""), e);
        }
    }

    /** ovs-vswitchd, which forwards; ovsdb-server only holds the configuration and idles during a run. */
    @Override
    public long pid() {
        Process p = vswitchd;
        return p == null ? -1 : p.pid();
    }

    /**
     * {@code ovs-appctl fdb/flush br0}, then {@code revalidator/purge}: the datapath's cached flows hold forwarding
     * decisions (a flood to an unknown MAC) that would outlive the flush.
     */
    @Override
    public void flushFdb() {
        appctl("fdb/flush", "br0");
        appctl("revalidator/purge");
    }

    /** {@code ovs-appctl revalidator/wait}: one revalidation round, so cached flows follow the MAC table. */
    @Override
    public void awaitLearned() {
        appctl("revalidator/wait");
    }

    /** Lines of {@code ovs-appctl fdb/show br0} after its header (OVS lists learned entries only). */
    @Override
    public long fdbEntries() {
        String out = appctl("fdb/show", "br0");
        long n = 0;
        for (String line : out.split("\n")) {
            if (line.matches("\\s*\\S+\\s+\\d+\\s+[0-9a-f:]{17}\\s+\\d+.*")) {
                n++;
            }
        }
        return n;
    }

    private String appctl(String... args) {
        Path d = dir;
        if (d == null) {
            throw new IllegalStateException("OVS is not running");
        }
        List<String> argv = new ArrayList<>(List.of(tool("ovs-appctl"), "-t",
                d.resolve("ovs-vswitchd.ctl").toString()));
        argv.addAll(List.of(args));
        Cmd.Result r = Cmd.runAllowFail(CMD_TIMEOUT, env(), argv);
        if (!r.ok()) {
            throw new IllegalStateException("ovs-appctl " + String.join(" ", args) + " failed (exit " + r.exitCode()
                    + "): " + r.stderr().strip());
        }
        return r.stdout();
    }

    @Override
    public synchronized void close() throws IOException {
        // ovs-vswitchd first, so it does not spin reconnecting to a database that is gone.
        Cmd.stop(vswitchd, STOP_GRACE);
        vswitchd = null;
        Cmd.stop(ovsdb, STOP_GRACE);
        ovsdb = null;
        if (dir != null) {
            Cleanup.deleteTree(dir);
            dir = null;
        }
    }

    private void awaitSocket(Process daemon, String name, Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_NS;
        while (!Files.exists(socket)) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not start: " + tail(name));
            }
            Thread.sleep(20);
        }
    }

    private void vsctl(Netns sw, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(tool("ovs-vsctl"));
        argv.add("--db=unix:" + dir.resolve("db.sock"));
        argv.addAll(List.of(args));
        Cmd.Result r = Cmd.runAllowFail(CMD_TIMEOUT, sw.wrap(withEnv(argv.toArray(new String[0]))));
        if (!r.ok()) {
            throw new IllegalStateException("ovs-vsctl " + String.join(" ", args) + " failed (exit " + r.exitCode()
                    + "): " + r.stderr().strip());
        }
    }

    /** The daemon must be the process this harness started, so that stopping it by pid stops OVS. */
    private void checkPidfile(String daemon, Process process) throws IOException {
        Path pidfile = dir.resolve(daemon + ".pid");
        String pid = Files.exists(pidfile) ? Files.readString(pidfile).strip() : "";
        if (!pid.equals(Long.toString(process.pid()))) {
            throw new IllegalStateException(daemon + " pidfile says '" + pid + "' but the harness started pid "
                    + process.pid());
        }
    }

    /** Points every OVS directory into the private one, so nothing reads or writes /run, /var or /etc. */
    private Map<String, String> env() {
        String d = dir.toString();
        return Map.of("OVS_RUNDIR", d, "OVS_LOGDIR", d, "OVS_DBDIR", d, "OVS_SYSCONFDIR", d);
    }

    /** {@code env VAR=... argv}: {@code env} execs argv, so the pid stays the daemon's. */
    private List<String> withEnv(String... argv) {
        List<String> out = new ArrayList<>();
        out.add(Tools.require("env", "coreutils").toString());
        for (Map.Entry<String, String> e : env().entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        out.addAll(List.of(argv));
        return out;
    }

    private static String tool(String name) {
        return Tools.require(name, "openvswitch-common").toString();
    }

    /** The last lines of a daemon's log and console output, for a skip reason. */
    private String tail(String daemon) {
        if (dir == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (String suffix : List.of(".log", ".out")) {
            Path f = dir.resolve(daemon + suffix);
            try {
                if (Files.exists(f)) {
                    List<String> lines = Files.readAllLines(f);
                    for (String line : lines.subList(Math.max(0, lines.size() - 5), lines.size())) {
                        s.append(line.strip()).append(" | ");
                    }
                }
            } catch (IOException e) {
                s.append("(cannot read ").append(f).append(": ").append(e.getMessage()).append(") ");
            }
        }
        return s.toString();
    }
}
