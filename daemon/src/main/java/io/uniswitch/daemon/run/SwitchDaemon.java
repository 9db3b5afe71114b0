package io.uniswitch.daemon.run;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.frame.Macs;
import io.uniswitch.bridge.loop.Dataplane;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.NetdevPort;
import io.uniswitch.bridge.port.TapPort;
import io.uniswitch.daemon.config.ConfigDiff;
import io.uniswitch.daemon.config.PortConfig;
import io.uniswitch.daemon.config.PortType;
import io.uniswitch.daemon.config.QemuMode;
import io.uniswitch.daemon.config.StaticEntry;
import io.uniswitch.daemon.config.SwitchConfig;
import io.uniswitch.daemon.config.TenderMode;
import io.uniswitch.daemon.control.ControlServer;
import io.uniswitch.metrics.MetricsServer;
import io.uniswitch.metrics.SwitchMetrics;
import io.uniswitch.tap.device.NetInterfaces;
import io.uniswitch.tap.device.Offloads;
import io.uniswitch.tap.device.PacketRing;
import io.uniswitch.tap.device.PacketSocket;
import io.uniswitch.tap.device.SocketPair;
import io.uniswitch.tap.device.TapOptions;
import io.uniswitch.tap.device.TunDevice;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.IfTun;
import io.uniswitch.tap.linux.NativeException;
import io.uniswitch.tendernet.qemu.QemuDgramPort;
import io.uniswitch.tendernet.qemu.QemuStreamPort;
import io.uniswitch.tendernet.solo5.TenderFdPort;
import io.uniswitch.tendernet.solo5.TenderProcess;
import io.uniswitch.tendernet.solo5.TenderSupervisor;
import io.uniswitch.tendernet.vhostuser.VhostUserPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running switch built from a {@link SwitchConfig}: its ports opened and configured, the data plane forwarding, the
 * control socket answering.
 *
 * <p>Start is all or nothing: every change made to the system is recorded in an {@link UndoStack}, and a failure at
 * any step unwinds it, so a failed start leaves no tap, no changed MTU or offload and no socket behind. A normal stop
 * unwinds the same stack, except that persistent taps stay.
 *
 * <p>Tender taps ({@code type: tender}) are the switch's to provision and remove: a stop leaves them, so a tender
 * started elsewhere keeps running across a switch restart and the next switch attaches to the same tap; a port that
 * leaves the config (reload, {@code port del}) removes its tap.
 */
public final class SwitchDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SwitchDaemon.class.getName());
    /** Port type of a tender's tap, as shown by {@code uniswitch show} and in metrics. */
    static final String TENDER_TYPE = "tender";

    private volatile SwitchConfig config;
    /** Attached ports by name, in attach order; guarded by this object's monitor (control threads). */
    private final Map<String, AttachedPort> ports = new LinkedHashMap<>();
    /** The attached ports' devices, copy-on-write so the health check reads it from any thread. */
    private final List<FdPort> attached = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, PortDetails> details = new java.util.concurrent.ConcurrentHashMap<>();
    /** Supervised tenders by port name; lock-free for the control verbs on the loop thread. */
    private final Map<String, TenderSupervisor> tenders = new java.util.concurrent.ConcurrentHashMap<>();
    private final long startedMillis = System.currentTimeMillis();
    /** Frame buffers; -Duniswitch.allocator=adaptive selects Netty's adaptive allocator instead (for comparison). */
    private final ByteBufAllocator allocator = "adaptive".equals(System.getProperty("uniswitch.allocator"))
            ? ByteBufAllocator.DEFAULT : PooledByteBufAllocator.DEFAULT;
    private Dataplane dataplane;
    /** Originals of what the switch changed on interfaces, on disk for the start after a kill. */
    private InterfaceLedger ledger;
    private ControlServer control;
    private SwitchMetrics metrics;
    private MetricsServer metricsServer;
    private volatile boolean closed;
    /** How often tender taps are checked for having disappeared. */
    static final long TAP_WATCH_MS = 1000;
    private java.util.concurrent.ScheduledExecutorService tapWatch;
    /** Ports whose tap could not be provisioned again yet (their error was logged once). Guarded by this. */
    private final java.util.Set<String> reprovisionFailing = new java.util.HashSet<>();

    /** What the control plane reports about a port besides its counters. */
    public record PortDetails(String name, String type, int mtuBytes, String address, boolean created,
            Offloads.State offloadsBefore) {
    }

    /** One attached port: its config, its port object, and what attaching it changed on the system. */
    private record AttachedPort(PortConfig config, FdPort port, UndoStack undo, PortDetails details) {
    }

    private SwitchDaemon(SwitchConfig config) {
        this.config = config;
    }

    /**
     * Starts a switch: checks every port, opens and configures them, starts forwarding and the control socket.
     *
     * @throws StartException naming the port, the problem and the fix; nothing is left behind
     */
    public static SwitchDaemon start(SwitchConfig config) {
        SwitchDaemon d = new SwitchDaemon(config);
        try {
            d.preflight();
            d.bringUp();
            return d;
        } catch (RuntimeException e) {
            d.fail();
            if (e instanceof StartException) {
                throw e;
            }
            throw new StartException(e.getMessage(), e);
        }
    }

    public SwitchConfig config() {
        return config;
    }

    public Dataplane dataplane() {
        return dataplane;
    }

    public long startedMillis() {
        return startedMillis;
    }

    /**
     * Details of a port for the control plane, or null. Lock-free: the control verbs call it from the loop thread,
     * which must never wait for a reload holding this object's monitor (the reload waits for the loop).
     */
    public PortDetails portDetails(String name) {
        return details.get(name);
    }

    /** The supervisor of a port's tender, or null when the port has no {@code command:}. Lock-free, as above. */
    public TenderSupervisor tender(String name) {
        return tenders.get(name);
    }

    /** Checks what can be checked before anything changes, so most mistakes fail with nothing to undo. */
    private void preflight() {
        for (PortConfig p : config.ports()) {
            preflight(p);
        }
        ControlServer.checkAvailable(config.controlSocket());
    }

    private void preflight(PortConfig p) {
        String at = where(p);
        if (p.type() == PortType.NETDEV && !NetInterfaces.exists(p.name())) {
            throw new StartException(at + ": interface " + p.name() + " does not exist; check the name with "
                    + "`ip link`, create it first, or declare it as `type: tap` to have the switch create it");
        }
        if (p.type() == PortType.TAP && NetInterfaces.exists(p.name()) && !NetInterfaces.isTunTap(p.name())) {
            throw new StartException(at + ": an interface named " + p.name() + " already exists and is not a tap; "
                    + "choose another name, or declare it as `type: netdev` to attach the existing interface");
        }
        if (p.type() == PortType.QEMU || p.type() == PortType.VHOST_USER) {
            checkQemuSocket(p);
        }
        if (p.type() == PortType.TENDER) {
            if (p.tenderMode() == TenderMode.TAP && NetInterfaces.exists(p.name())
                    && !NetInterfaces.isTunTap(p.name())) {
                throw new StartException(at + ": an interface named " + p.name() + " already exists and is not a tap; "
                        + "a tender attaches to a tap, so choose another name for this port (or delete that "
                        + "interface)");
            }
            owner(p);
            if (p.supervised()) {
                checkProgram(p);
            }
        }
    }

    /**
     * A qemu port's socket path must not exist: the switch creates the socket and removes it when the port goes. A
     * leftover (a switch killed with SIGKILL) or another program's socket is not taken over silently.
     */
    private void checkQemuSocket(PortConfig p) {
        if (p.connect()) {
            // Mode client: the VM's front-end owns the socket; it may appear later, and the port waits for it.
            return;
        }
        java.nio.file.Path path = p.socket();
        if (java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new StartException(where(p) + ": socket path " + path + " already exists; remove it or choose "
                    + "another path (the switch creates the socket itself)");
        }
        java.nio.file.Path dir = path.getParent();
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
            throw new StartException(where(p) + ": the directory of socket path " + path + " does not exist; create "
                    + "it first (e.g. RuntimeDirectory=uniswitch in the unit file) or choose another path");
        }
    }

    /** A supervised tender's program must exist and be executable: a typo fails the start, not every restart. */
    private void checkProgram(PortConfig p) {
        String program = p.command().get(0);
        boolean found = false;
        if (program.contains("/")) {
            found = java.nio.file.Files.isRegularFile(java.nio.file.Path.of(program))
                    && java.nio.file.Files.isExecutable(java.nio.file.Path.of(program));
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
                java.nio.file.Path candidate = java.nio.file.Path.of(dir.isEmpty() ? "." : dir, program);
                if (java.nio.file.Files.isRegularFile(candidate) && java.nio.file.Files.isExecutable(candidate)) {
                    found = true;
                    break;
                }
            }
        }
        if (!found) {
            throw new StartException(where(p) + ": the tender command \"" + program + "\" does not exist or is not "
                    + "executable" + (program.contains("/") ? "" : " (searched PATH)") + "; install it or fix "
                    + "`command:`");
        }
        if ((p.user() != null || p.group() != null) && !onPath("setpriv")) {
            throw new StartException(where(p) + ": running the tender as user/group needs setpriv (util-linux), "
                    + "which is not on PATH; install util-linux");
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir.isEmpty() ? "." : dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The supervised tender's argv: placeholders replaced ({@code {port}} by the tap name, {@code {mac}} by the pinned
     * MAC), behind {@code setpriv --reuid --regid --clear-groups} when a user or group is set (the switch runs as
     * root; the tender must not). Without a group, the user's primary group is used.
     */
    private List<String> tenderArgv(PortConfig p, String device) {
        List<String> argv = new ArrayList<>();
        if (p.user() != null || p.group() != null) {
            argv.add("setpriv");
            if (p.user() != null) {
                argv.add("--reuid=" + Accounts.uid(p.user()));
            }
            String group = p.group() != null ? Integer.toString(Accounts.gid(p.group()))
                    : primaryGid(p);
            argv.add("--regid=" + group);
            argv.add("--clear-groups");
            argv.add("--");
        }
        String mac = p.mac() >= 0 ? Macs.format(p.mac()) : "";
        for (String a : p.command()) {
            argv.add(a.replace("{port}", device).replace("{mac}", mac));
        }
        return argv;
    }

    /** The primary group of the port's user ({@code id -g}). */
    private String primaryGid(PortConfig p) {
        try {
            Process id = new ProcessBuilder("id", "-g", p.user()).redirectErrorStream(true).start();
            String out = new String(id.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .strip();
            if (id.waitFor() == 0 && out.chars().allMatch(Character::isDigit) && !out.isEmpty()) {
                return out;
            }
            throw new StartException(where(p) + ": cannot find the primary group of user " + p.user() + " (id -g: "
                    + out + "); set `group:`");
        } catch (java.io.IOException e) {
            throw new StartException(where(p) + ": cannot run id -g " + p.user() + ": " + e.getMessage()
                    + "; set `group:`", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartException(where(p) + ": interrupted", e);
        }
    }

    /**
     * Launches a tender port's supervised tender once the port is in the data plane. Its restarts flush the port's
     * learned FDB entries (a restarted unikernel may come back with another MAC, and its old one must not linger).
     */
    private void startTender(PortConfig p, FdPort attachedPort, UndoStack undo) {
        String name = p.name();
        TenderFdPort fdPort = attachedPort instanceof TenderFdPort f ? f : null;
        TenderSupervisor.Hooks hooks = new TenderSupervisor.Hooks() {
            @Override
            public void beforeRestart() {
                Integer flushed = dataplane.call(() -> {
                    FdPort port = dataplane.port(name);
                    return port == null ? 0 : dataplane.engine().fdb().flushPort(port.index());
                });
                // Frames queued for the tender that exited would reach the new one as stale traffic.
                String drained = fdPort == null ? "" : ", " + fdPort.drainStale() + " stale frames discarded";
                LOG.log(System.Logger.Level.INFO, "port " + name + ": restarting its tender; " + flushed
                        + " fdb entries flushed" + drained);
            }

            @Override
            public void output(String line) {
                LOG.log(System.Logger.Level.INFO, "port " + name + ": tender: " + line);
            }
        };
        TenderSupervisor t = fdPort == null
                ? new TenderSupervisor(name, tenderArgv(p, name), p.stopTimeout(), TenderProcess.Launcher.PLAIN, hooks)
                : new TenderSupervisor(name, tenderArgv(p, "@" + TenderFdPort.TENDER_FD), p.stopTimeout(),
                        fdPort.launcher(), hooks);
        try {
            t.start();
        } catch (java.io.IOException e) {
            throw new StartException(where(p) + ": cannot start the tender command " + t.command() + ": "
                    + e.getMessage() + "; fix `command:`", e);
        }
        tenders.put(name, t);
        metrics.bindTenderRestarts(name, t::restarts);
        undo.push("stop tender of " + name, () -> {
            tenders.remove(name, t);
            metrics.unbindTenderRestarts(name);
            t.stop();
        });
    }

    /** Stops every supervised tender (before the data plane closes, so no restart races the shutdown). */
    private void stopTenders() {
        for (TenderSupervisor t : tenders.values()) {
            t.stop();
        }
    }

    /** The tap owner and group of a tender port, as {@link TapOptions}; unknown users and groups are errors. */
    private TapOptions owner(PortConfig p) {
        try {
            int uid = p.user() == null ? -1 : Accounts.uid(p.user());
            int gid = p.group() == null ? -1 : Accounts.gid(p.group());
            return TapOptions.DEFAULTS.withPersist(true).withOwnerUid(uid).withGroupGid(gid);
        } catch (IllegalArgumentException e) {
            throw new StartException(where(p) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens, configures and attaches one port. All or nothing: on failure what this port changed is undone and the
     * rest of the switch is as it was.
     */
    private synchronized void attach(PortConfig p) {
        if (config.vnetOffloads() && !io.uniswitch.daemon.config.ConfigLoader.carriesVnet(p)) {
            throw new StartException(where(p) + ": this switch runs in offload mode vnet"
                    + (config.offloadsAuto() ? " (chosen by offloads: auto, since every port could carry it)" : "")
                    + ", and a " + p.type().configName() + " port cannot carry vnet headers; add the port to the "
                    + "config file and restart the switch (it then runs with offloads off)");
        }
        UndoStack undo = new UndoStack();
        FdPort port;
        PortDetails d;
        boolean added = false;
        try {
            Opened o = p.type() == PortType.TAP ? openTap(p, undo)
                    : p.type() == PortType.TENDER ? openTender(p, undo)
                    : p.type() == PortType.QEMU ? openQemu(p, undo)
                    : p.type() == PortType.VHOST_USER ? openVhostUser(p, undo) : openNetdev(p, undo);
            port = o.port;
            d = o.details;
            dataplane.addPort(port);
            added = true;
            if (p.type() == PortType.TENDER && p.supervised()) {
                startTender(p, port, undo);
            }
        } catch (RuntimeException e) {
            if (added) {
                dataplane.removePort(p.name());
            }
            undo.unwind(true);
            throw e instanceof StartException ? e : new StartException(where(p) + ": " + e.getMessage(), e);
        }
        ports.put(p.name(), new AttachedPort(p, port, undo, d));
        details.put(p.name(), d);
        attached.add(port);
        metrics.bindPort(port);
    }

    /**
     * Detaches and closes one port and undoes what attaching it changed. {@code leaving} is true when the port leaves
     * the config (reload, {@code port del}): a persistent tap the switch created is then removed too.
     */
    private synchronized void detach(String name, boolean leaving) {
        AttachedPort a = ports.remove(name);
        if (a == null) {
            return;
        }
        metrics.unbindPort(name);
        attached.remove(a.port());
        details.remove(name);
        dataplane.removePort(name);
        a.undo().unwind(false);
        if (leaving && a.config().type() == PortType.TAP && a.config().persist() && a.details().created()) {
            NetInterfaces.deleteIfExists(name);
        }
        if (leaving && a.config().type() == PortType.TENDER && a.config().tenderMode() == TenderMode.TAP
                && NetInterfaces.deleteIfExists(name)) {
            LOG.log(System.Logger.Level.INFO, "port " + name + ": tender tap removed (the port left the config)");
        }
        LOG.log(System.Logger.Level.INFO, "port " + name + ": detached");
    }

    private record Opened(FdPort port, PortDetails details) {
    }

    private void bringUp() {
        LOG.log(System.Logger.Level.INFO, "offloads: " + (config.vnetOffloads()
                ? "vnet (GRO/GSO/TSO kept; super-frames carried with a virtio_net_hdr)"
                : "off (turned off on every interface" + (config.offloadsAuto()
                        ? "; " + io.uniswitch.daemon.config.ConfigLoader.vnetBlocker(config) : "") + ")")
                + (config.offloadsAuto() ? ", chosen by dataplane.offloads: auto" : ""));
        // -Duniswitch.warmup=false skips it (tests of start-up errors that need no fast data path).
        if (Boolean.parseBoolean(System.getProperty("uniswitch.warmup", "true"))) {
            Warmup.run(allocator);
        }
        EngineConfig engineConfig = EngineConfig.defaults()
                .withAgeingNs(config.ageing().toNanos())
                .withFdbMaxEntries(config.fdbMaxEntries())
                .withFdbMaxEntriesPerPort(config.fdbMaxEntriesPerPort())
                .withVnetHeaders(config.vnetOffloads());
        dataplane = new Dataplane(engineConfig, config.switchName(), config.busyPoll().toNanos());
        metrics = new SwitchMetrics(config.switchName(), version());
        metrics.bindEngine(dataplane.engine());
        metrics.bindLoopBusyRatio(dataplane.load()::busyRatioSinceLastCall);
        ledger = InterfaceLedger.open(config.controlSocket(), config.switchName());
        java.util.Set<String> names = new java.util.HashSet<>();
        for (PortConfig p : config.ports()) {
            names.add(p.name());
        }
        ledger.restoreAllBut(names);
        for (PortConfig p : config.ports()) {
            attach(p);
        }
        for (StaticEntry s : config.staticEntries()) {
            addStatic(s);
        }
        if (config.metricsAddress() != null) {
            metricsServer = MetricsServer.start(MetricsServer.parseAddress(config.metricsAddress()), metrics,
                    this::health);
            LOG.log(System.Logger.Level.INFO, "metrics on http://" + MetricsServer.format(metricsServer.address())
                    + "/metrics");
        }
        control = new ControlServer(config.controlSocket(), config.controlGroup(), new ControlCommands(this));
        control.start();
        tapWatch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tap-watch");
            t.setDaemon(true);
            return t;
        });
        tapWatch.scheduleWithFixedDelay(this::reprovisionVanishedTaps, TAP_WATCH_MS, TAP_WATCH_MS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "switch " + config.switchName() + " up: " + config.ports().size()
                + " ports, control socket " + config.controlSocket());
    }

    /**
     * A tender's tap that disappears (deleted by hand, or by a tool that cleans up taps) is provisioned again, so the
     * tender, once restarted by whoever supervises it, finds it. Runs every {@link #TAP_WATCH_MS} on its own thread;
     * the check is one if_nametoindex() per tender port.
     */
    private void reprovisionVanishedTaps() {
        for (PortConfig p : config.ports()) {
            if (p.type() == PortType.TENDER && p.tenderMode() == TenderMode.TAP && !NetInterfaces.exists(p.name())) {
                reprovision(p);
            }
        }
    }

    private synchronized void reprovision(PortConfig p) {
        if (closed || !p.equals(config.port(p.name())) || NetInterfaces.exists(p.name())) {
            return;
        }
        boolean firstTry = !reprovisionFailing.contains(p.name());
        if (firstTry) {
            LOG.log(System.Logger.Level.WARNING, "port " + p.name() + ": its tender tap disappeared; provisioning it "
                    + "again");
        }
        detach(p.name(), false);
        try {
            attach(p);
            restoreStatics(p.name(), config);
            reprovisionFailing.remove(p.name());
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": tender tap provisioned again");
        } catch (StartException e) {
            if (firstTry) {
                LOG.log(System.Logger.Level.ERROR, "port " + p.name() + ": cannot provision its tap again: "
                        + e.getMessage() + "; trying every " + TAP_WATCH_MS + " ms (logged once)");
            }
            reprovisionFailing.add(p.name());
        }
    }

    /** Adds back the static FDB entries of a port that was attached again (its old entries died with its index). */
    private void restoreStatics(String portName, SwitchConfig c) {
        for (StaticEntry s : c.staticEntries()) {
            if (s.port().equals(portName)) {
                addStatic(s);
            }
        }
    }

    private void addStatic(StaticEntry s) {
        dataplane.call(() -> {
            FdPort port = dataplane.port(s.port());
            dataplane.engine().fdb().addStatic(s.vlan(), s.mac(), port.index());
            return null;
        });
        LOG.log(System.Logger.Level.INFO, "static fdb entry " + Macs.format(s.mac()) + " -> " + s.port());
    }

    private void removeStatic(StaticEntry s) {
        dataplane.call(() -> dataplane.engine().fdb().remove(s.vlan(), s.mac()));
        LOG.log(System.Logger.Level.INFO, "static fdb entry " + Macs.format(s.mac()) + " removed");
    }

    private Opened openTap(PortConfig p, UndoStack undo) {
        String at = where(p);
        boolean existed = NetInterfaces.exists(p.name());
        TunDevice tap;
        try {
            tap = TunDevice.open(p.name(), TapOptions.DEFAULTS.withPersist(p.persist())
                    .withVnetHdr(config.vnetOffloads()));
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
        if (p.persist() && !existed) {
            // Runs after the close below (the stack unwinds newest first): a tap is removed once no fd holds it.
            undo.pushOnFailure("remove persistent tap " + p.name(), () -> NetInterfaces.delete(p.name()));
        }
        undo.push("close tap " + p.name(), tap::close);
        try {
            if (p.mac() >= 0) {
                NetInterfaces.setMac(p.name(), p.mac());
            }
            mtu(p.name(), p.mtuBytes(), existed, undo);
            Offloads.State before;
            if (config.vnetOffloads()) {
                // The host may hand the switch super-frames and partial checksums, described in the vnet header.
                tap.setOffload(IfTun.TUN_F_CSUM | IfTun.TUN_F_TSO4 | IfTun.TUN_F_TSO6 | IfTun.TUN_F_TSO_ECN);
                before = Offloads.get(p.name());
            } else {
                before = offloadsOff(p.name(), existed, undo);
            }
            NetInterfaces.setUp(p.name(), true);
            if (p.address() != null) {
                NetInterfaces.setIpv4Address(p.name(), p.address().address(), p.address().prefixLength());
            }
            PortDetails d = new PortDetails(p.name(), TapPort.TYPE, p.mtuBytes(),
                    p.address() == null ? null : p.address().toString(), !existed, before);
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": tap " + (existed ? "attached" : "created")
                    + ", mtu " + p.mtuBytes() + (p.address() != null ? ", address " + p.address() : "")
                    + (p.persist() ? ", persistent" : ""));
            return new Opened(new TapPort(tap, p.mtuBytes(), p.queueFrames(), allocator), d);
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
    }

    /** Creates a qemu port's unix socket (listening in mode stream, bound in mode dgram); closing removes it. */
    private Opened openQemu(PortConfig p, UndoStack undo) {
        checkQemuSocket(p);
        FdPort port;
        try {
            port = p.qemuMode() == QemuMode.DGRAM
                    ? new QemuDgramPort(p.name(), p.socket(), p.mtuBytes(), p.queueFrames(), allocator)
                    : new QemuStreamPort(p.name(), p.socket(), p.mtuBytes(), p.queueFrames(), allocator);
        } catch (NativeException e) {
            throw new StartException(where(p) + ": " + e.getMessage(), e);
        }
        undo.push("close qemu port " + p.name() + " and remove " + p.socket(), port::close);
        PortDetails d = new PortDetails(p.name(), QemuStreamPort.TYPE, p.mtuBytes(), null, true, null);
        LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": qemu " + p.qemuMode().configName() + " socket "
                + p.socket() + (p.qemuMode() == QemuMode.DGRAM ? " bound" : " listening") + ", mtu " + p.mtuBytes()
                + "; QEMU: " + qemuHint(p));
        return new Opened(port, d);
    }

    /**
     * A vhost-user port: the switch listens at the socket path and serves the VM's virtio-net device, or in mode
     * client connects to the socket QEMU listens on (and keeps trying while it is not there). Queue hand-overs from
     * its control thread run on the loop through {@link Dataplane#call}.
     */
    private Opened openVhostUser(PortConfig p, UndoStack undo) {
        checkQemuSocket(p);
        VhostUserPort port;
        try {
            port = new VhostUserPort(p.name(), p.socket(), p.connect(), p.mtuBytes(), p.queueFrames(), allocator,
                    task -> dataplane.call(() -> {
                        task.run();
                        return null;
                    }));
        } catch (NativeException e) {
            throw new StartException(where(p) + ": " + e.getMessage(), e);
        }
        undo.push("close vhost-user port " + p.name() + (p.connect() ? "" : " and remove " + p.socket()), port::close);
        PortDetails d = new PortDetails(p.name(), VhostUserPort.TYPE, p.mtuBytes(), null, true, null);
        LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": vhost-user " + (p.connect()
                ? "mode client, connecting to " + p.socket() : "socket " + p.socket() + " listening") + ", mtu "
                + p.mtuBytes() + "; QEMU: -chardev socket,id=c0,path=" + p.socket()
                + (p.connect() ? ",server=on,wait=off" : ",reconnect=1") + " -netdev vhost-user,id=n0,chardev=c0 "
                + "-object memory-backend-memfd,id=m0,size=RAM,share=on -numa node,memdev=m0");
        return new Opened(port, d);
    }

    /** The QEMU option that connects a VM to this port, for the log. */
    static String qemuHint(PortConfig p) {
        return p.qemuMode() == QemuMode.DGRAM
                ? "-netdev dgram,id=n0,local.type=unix,local.path=VM.sock,remote.type=unix,remote.path=" + p.socket()
                : "-netdev stream,id=n0,server=off,addr.type=unix,addr.path=" + p.socket();
    }

    private Opened openNetdev(PortConfig p, UndoStack undo) {
        String at = where(p);
        try {
            final int mtu = mtu(p.name(), p.mtuBytes(), true, undo);
            boolean vnet = config.vnetOffloads();
            // In offload mode vnet the interface keeps its offloads: super-frames and partial checksums travel with
            // their virtio_net_hdr, and the kernel segments and checksums for whichever device they leave by.
            Offloads.State before = vnet ? offloadsAsTheyWere(p.name()) : offloadsOff(p.name(), true, undo);
            // Receive ring and sendmmsg are on by default; -Duniswitch.netdev.ring=off falls back to one read() and
            // one write() per frame, =v3 tries a TPACKET_V3 ring (256 KB x 32 blocks, 1 ms retire timeout: adds up to
            // 1 ms per hop to sparse traffic). -Duniswitch.netdev.qdiscBypass=false sends through the qdisc.
            String ringMode = System.getProperty("uniswitch.netdev.ring", "v2");
            boolean batched = !ringMode.equals("off");
            PacketRing.Config ring = !batched ? null
                    : ringMode.equals("v3") ? PacketRing.Config.v3(vnet ? 1 << 20 : 256 * 1024, 32, 1)
                    : vnet ? NetdevPort.vnetRing(config.effectiveRingBytes())
                    : NetdevPort.ring(mtu, config.effectiveRingBytes());
            PacketSocket socket = PacketSocket.open(p.name(), true, ring,
                    batched && Boolean.parseBoolean(System.getProperty("uniswitch.netdev.qdiscBypass", "true")), vnet);
            undo.push("close packet socket on " + p.name(), socket::close);
            if (!NetInterfaces.isUp(p.name())) {
                LOG.log(System.Logger.Level.WARNING, "port " + p.name() + ": interface is down; frames flow once it is "
                        + "up (ip link set " + p.name() + " up)");
            }
            PortDetails d = new PortDetails(p.name(), NetdevPort.TYPE, mtu, null, false, before);
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": attached (AF_PACKET, promiscuous, "
                    + (batched ? "rx ring " + ring + ", sendmmsg" : "read/write per frame")
                    + (vnet ? ", vnet headers, offloads kept: " + before.describe() : "") + "), mtu " + mtu);
            return new Opened(new NetdevPort(NetdevPort.TYPE, socket, mtu, p.queueFrames(), allocator, batched, vnet),
                    d);
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
    }

    /**
     * Provisions a tender's tap and attaches to it from the interface side, as the kernel bridge does: the tender
     * holds the tap's one fd (a tap without IFF_MULTI_QUEUE takes a single attachment), so the switch must not.
     *
     * <p>A new tap is created persistent with the configured owner and group (so the tender runs unprivileged), then
     * the switch lets go of its fd. An existing tap (a switch restart, or one made by hand) is re-provisioned when
     * free; when a tender holds it (EBUSY) it is taken as it is, since owner and persistence can only be set through
     * an attached fd and were set when the tap was made. Then, either way: MTU, offloads off (a tender takes no vnet
     * header, so no super-frames), up, and an AF_PACKET socket with the receive ring and sendmmsg.
     */
    private Opened openTender(PortConfig p, UndoStack undo) {
        if (p.tenderMode() == TenderMode.FD) {
            return openTenderFd(p, undo);
        }
        String at = where(p);
        TapOptions options = owner(p);
        boolean existed = NetInterfaces.exists(p.name());
        if (existed && !NetInterfaces.isTunTap(p.name())) {
            throw new StartException(at + ": an interface named " + p.name() + " already exists and is not a tap; "
                    + "choose another name for this tender port");
        }
        boolean held = false;
        try {
            TunDevice tap = TunDevice.open(p.name(), options);
            if (p.supervised()) {
                // A supervised tender lives and dies with the switch, and so does its tap.
                undo.push("remove tender tap " + p.name(), () -> NetInterfaces.deleteIfExists(p.name()));
            } else if (!existed) {
                // Runs after the close (the stack unwinds newest first); a tap goes once no fd holds it.
                undo.pushOnFailure("remove tender tap " + p.name(), () -> NetInterfaces.deleteIfExists(p.name()));
            }
            tap.close();
        } catch (NativeException e) {
            if (!existed || e.errno() != Errno.EBUSY) {
                throw new StartException(at + ": " + e.getMessage(), e);
            }
            held = true;
            warnIfOwnerDiffers(p.name(), "owner", options.ownerUid());
            warnIfOwnerDiffers(p.name(), "group", options.groupGid());
        }
        try {
            // The switch provisions a tender's tap: its MTU and offloads are the switch's, nothing to put back.
            int mtu = mtu(p.name(), p.mtuBytes(), false, undo);
            Offloads.State before = offloadsOff(p.name(), false, undo);
            NetInterfaces.setUp(p.name(), true);
            // Offloads stay off on a tender's tap (it takes no vnet header); in offload mode vnet the socket still
            // carries headers, and the kernel segments a super-frame sent to the tap since the tap offers no TSO.
            boolean vnet = config.vnetOffloads();
            PacketSocket socket = PacketSocket.open(p.name(), true,
                    vnet ? NetdevPort.vnetRing(config.effectiveRingBytes())
                    : NetdevPort.ring(mtu, config.effectiveRingBytes()),
                    Boolean.parseBoolean(System.getProperty("uniswitch.netdev.qdiscBypass", "true")), vnet);
            undo.push("close packet socket on " + p.name(), socket::close);
            NetdevPort port = new NetdevPort(TENDER_TYPE, socket, mtu, p.queueFrames(), allocator, true, vnet);
            if (p.mac() >= 0) {
                port.setPinnedSrcMac(p.mac());
            }
            PortDetails d = new PortDetails(p.name(), TENDER_TYPE, mtu, null, !existed, before);
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": tender tap " + (!existed ? "created"
                    : held ? "attached (held by its tender)" : "re-provisioned") + ", mtu " + mtu
                    + (p.user() != null ? ", owner " + p.user() : "")
                    + (p.group() != null ? ", group " + p.group() : "")
                    + (p.mac() >= 0 ? ", pinned to " + Macs.format(p.mac()) : "") + " (AF_PACKET, rx ring, sendmmsg)");
            return new Opened(port, d);
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
    }

    /**
     * A tender port in mode fd: a SOCK_SEQPACKET socketpair with forced buffers, whose far end the supervised tender
     * gets as fd 3. Nothing on the system changes, so closing the port (which closes the pair) is all there is to undo.
     */
    private Opened openTenderFd(PortConfig p, UndoStack undo) {
        TenderFdPort port;
        try {
            port = new TenderFdPort(p.name(), SocketPair.open(p.name(), TenderFdPort.SWITCH_END_BUFFER_BYTES,
                    p.bufferBytes()), p.mtuBytes(), p.queueFrames(), allocator);
        } catch (NativeException e) {
            throw new StartException(where(p) + ": " + e.getMessage(), e);
        }
        undo.push("close the socketpair of " + p.name(), port::close);
        if (p.mac() >= 0) {
            port.setPinnedSrcMac(p.mac());
        }
        PortDetails d = new PortDetails(p.name(), TENDER_TYPE, p.mtuBytes(), null, true, null);
        LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": tender socketpair (SOCK_SEQPACKET, the tender's "
                + "end buffers " + (p.bufferBytes() >> 20) + " MiB), mtu " + p.mtuBytes()
                + (p.mac() >= 0 ? ", pinned to " + Macs.format(p.mac()) : "") + "; the tender gets it as fd "
                + TenderFdPort.TENDER_FD);
        return new Opened(port, d);
    }

    /** A held tap keeps the owner it was made with; says so when the config now wants another (sysfs shows it). */
    private static void warnIfOwnerDiffers(String name, String attribute, int wanted) {
        try {
            String now = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/class/net", name, attribute))
                    .strip();
            if (!now.equals(Integer.toString(wanted))) {
                LOG.log(System.Logger.Level.WARNING, "port " + name + ": the tap is held by its tender, so its "
                        + attribute + " stays " + now + " (config wants " + wanted + ") until the tender lets go of "
                        + "it and the port is attached again");
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Informational only; sysfs may be absent in odd containers.
        }
    }

    /**
     * Turns off GRO, GSO, TSO and tx checksumming: without vnet headers a userspace switch can carry neither
     * super-frames nor partial checksums (they arrive corrupt, and TCP stalls while ping works). What was on is
     * restored when the port detaches, unless the switch created the interface.
     */
    private Offloads.State offloadsOff(String name, boolean restore, UndoStack undo) {
        Offloads.State now = Offloads.get(name);
        // A switch killed earlier may have left them off: the original is the recorded one.
        Offloads.State before = restore ? ledger.originalOffloads(name, now) : now;
        if (before.equals(Offloads.State.ALL_OFF) || !restore) {
            // Nothing to put back later (a tap the switch made, a tender's tap): no record either.
            ledger.forgetOffloads(name);
        }
        if (before.equals(Offloads.State.ALL_OFF)) {
            return before;
        }
        if (restore) {
            ledger.recordOffloads(name, before, Offloads.State.ALL_OFF);
            undo.push("restore offloads of " + name, () -> {
                try {
                    Offloads.set(name, before);
                } finally {
                    ledger.forgetOffloads(name);
                }
            });
        }
        Offloads.State after = now.equals(Offloads.State.ALL_OFF) ? now : Offloads.set(name, Offloads.State.ALL_OFF);
        if (restore && !after.equals(Offloads.State.ALL_OFF)) {
            ledger.recordOffloads(name, before, after);
        }
        LOG.log(System.Logger.Level.INFO, "port " + name + ": offloads " + before.describe() + " -> " + after.describe()
                + " (a switch without vnet headers cannot carry them" + (restore ? "; restored on detach)" : ")"));
        if (!after.equals(Offloads.State.ALL_OFF)) {
            LOG.log(System.Logger.Level.WARNING, "port " + name + ": the driver kept " + after.describe()
                    + "; oversize frames will be dropped and counted as frame_too_large");
        }
        return before;
    }

    /**
     * Sets an interface's MTU to {@code wanted} (0: keeps the original) and returns the MTU it then has. With
     * {@code restore} (an interface the switch did not make), the original is put back when the port detaches, and
     * recorded in the ledger until then; the original is the ledger's when a killed switch left its MTU here.
     */
    private int mtu(String name, int wanted, boolean restore, UndoStack undo) {
        final int current = NetInterfaces.mtu(name);
        final int original = restore ? ledger.originalMtu(name, current) : current;
        final int mtu = wanted > 0 ? wanted : original;
        if (restore && mtu != original) {
            ledger.recordMtu(name, original, mtu);
            undo.push("restore mtu of " + name, () -> {
                try {
                    NetInterfaces.setMtu(name, original);
                } finally {
                    ledger.forgetMtu(name);
                }
            });
        }
        if (mtu != current) {
            NetInterfaces.setMtu(name, mtu);
        }
        if (mtu == original || !restore) {
            ledger.forgetMtu(name);
        }
        return mtu;
    }

    /**
     * Offload mode vnet keeps an interface's offloads as they are; as they were, that is, if a switch killed earlier
     * in mode off left them turned off.
     */
    private Offloads.State offloadsAsTheyWere(String name) {
        Offloads.State now = Offloads.get(name);
        Offloads.State original = ledger.originalOffloads(name, now);
        if (!original.equals(now)) {
            now = Offloads.set(name, original);
            LOG.log(System.Logger.Level.INFO, "port " + name + ": offloads put back to " + now.describe()
                    + " (a previous switch left them changed)");
        }
        ledger.forgetOffloads(name);
        return now;
    }

    /**
     * The health check of /healthz: null when every port is up, else which are not. Reads the ports' flags without
     * going through the loop, so a stuck loop cannot hang the check (plain reads of loop-written fields may be a
     * moment stale, which a health check tolerates).
     */
    private String health() {
        if (closed) {
            return "switch stopping";
        }
        StringBuilder down = new StringBuilder();
        for (FdPort p : attached) {
            if (!p.isUp()) {
                down.append(down.length() == 0 ? "" : ", ").append(p.name());
            }
        }
        return down.length() == 0 ? null : "ports down: " + down;
    }

    static String version() {
        String v = SwitchDaemon.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private String where(PortConfig p) {
        return "port " + p.name() + " (" + config.source() + ":" + p.line() + ")";
    }

    private void fail() {
        closed = true;
        if (tapWatch != null) {
            tapWatch.shutdownNow();
        }
        stopTenders();
        stopServing();
        unwindPorts(true);
    }

    /** Undoes every port's changes, newest port first. The data plane must be closed already. */
    private synchronized void unwindPorts(boolean failure) {
        List<AttachedPort> all = new ArrayList<>(ports.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).undo().unwind(failure);
        }
        ports.clear();
        attached.clear();
        details.clear();
    }

    /**
     * Closes the control socket, then the data plane, which closes every attached port on the loop thread. Only then
     * may the undo steps run: a device must never be closed while the loop may still read its fd.
     */
    private void stopServing() {
        if (control != null) {
            control.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (dataplane != null) {
            dataplane.close();
        }
    }

    /** Stops forwarding, closes the control socket and ports, and undoes what start changed. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.log(System.Logger.Level.INFO, "switch " + config.switchName() + " stopping");
        if (tapWatch != null) {
            tapWatch.shutdownNow();
        }
        stopTenders();
        stopServing();
        unwindPorts(false);
        LOG.log(System.Logger.Level.INFO, "switch " + config.switchName() + " stopped");
    }

    /** Names of attached ports in attach order. */
    public synchronized List<String> portNames() {
        return new ArrayList<>(ports.keySet());
    }

    /** One line for systemd's STATUS and the logs. */
    public synchronized String statusLine() {
        return "forwarding: " + ports.size() + " ports (" + String.join(" ", ports.keySet()) + "), control socket "
                + config.controlSocket();
    }

    /**
     * Applies a new config: ports added, removed or changed, static entries, FDB ageing. Ports that did not change are
     * not touched, so their traffic flows on. A step that fails undoes the steps before it and the running config
     * stays. Settings that need a restart are reported and left as they are.
     *
     * @return a summary of what changed
     * @throws StartException naming the port and the problem when the new config cannot be applied
     */
    public synchronized String reload(SwitchConfig next) {
        if (closed) {
            throw new StartException("the switch is stopping");
        }
        ConfigDiff diff = ConfigDiff.of(config, next);
        String summary = diff.summary();
        // Steps that can fail come first, each with its way back; removals come last, when nothing can fail.
        java.util.Deque<Runnable> rollback = new java.util.ArrayDeque<>();
        try {
            for (PortConfig p : diff.added()) {
                preflight(p);
            }
            for (PortConfig p : diff.changed()) {
                PortConfig old = config.port(p.name());
                detach(p.name(), false);
                try {
                    attach(p);
                } catch (StartException e) {
                    attach(old);
                    throw e;
                }
                rollback.push(() -> {
                    detach(p.name(), false);
                    attach(old);
                });
            }
            for (PortConfig p : diff.added()) {
                attach(p);
                rollback.push(() -> detach(p.name(), true));
            }
        } catch (StartException e) {
            while (!rollback.isEmpty()) {
                try {
                    rollback.pop().run();
                } catch (RuntimeException r) {
                    LOG.log(System.Logger.Level.ERROR, "reload: rolling back: " + r.getMessage());
                }
            }
            LOG.log(System.Logger.Level.ERROR, "reload refused, running config kept: " + e.getMessage());
            throw e;
        }
        try {
            for (StaticEntry s : diff.staticRemoved()) {
                removeStatic(s);
            }
            for (String name : diff.removed()) {
                detach(name, true);
            }
            for (StaticEntry s : diff.staticAdded()) {
                addStatic(s);
            }
            for (PortConfig p : diff.changed()) {
                // A changed port was attached again under a new index: its static entries must follow it.
                restoreStatics(p.name(), next);
            }
            if (diff.ageingChanged()) {
                long ns = next.ageing().toNanos();
                dataplane.call(() -> {
                    dataplane.engine().fdb().setAgeingNs(ns);
                    return null;
                });
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "reload: " + e.getMessage() + " (ports were applied)");
            throw new StartException("reload: " + e.getMessage(), e);
        }
        config = new SwitchConfig(config.switchName(), next.ageing(), config.fdbMaxEntries(),
                config.fdbMaxEntriesPerPort(), next.ports(), next.staticEntries(), config.controlSocket(),
                config.controlGroup(), config.busyPoll(), config.vnetOffloads(), config.offloadsAuto(),
                config.ringBytes(), config.metricsAddress(),
                next.source());
        LOG.log(System.Logger.Level.INFO, "reloaded " + next.source() + ": " + summary);
        return summary;
    }

    /** Adds a port at run time (it lasts until the next reload or restart unless it is also in the config file). */
    public synchronized void addPort(PortConfig p) {
        if (ports.containsKey(p.name())) {
            throw new StartException("port " + p.name() + " is already attached; `uniswitch port del " + p.name()
                    + "` first to change it");
        }
        preflight(p);
        attach(p);
        List<PortConfig> list = new ArrayList<>(config.ports());
        list.add(p);
        config = withPorts(list);
    }

    /** Removes a port at run time; returns false if there is none of that name. */
    public synchronized boolean removePort(String name) {
        if (!ports.containsKey(name)) {
            return false;
        }
        detach(name, true);
        List<PortConfig> list = new ArrayList<>(config.ports());
        list.removeIf(p -> p.name().equals(name));
        config = withPorts(list);
        return true;
    }

    private SwitchConfig withPorts(List<PortConfig> list) {
        SwitchConfig c = config;
        List<StaticEntry> statics = new ArrayList<>();
        for (StaticEntry s : c.staticEntries()) {
            for (PortConfig p : list) {
                if (p.name().equals(s.port())) {
                    statics.add(s);
                }
            }
        }
        return new SwitchConfig(c.switchName(), c.ageing(), c.fdbMaxEntries(), c.fdbMaxEntriesPerPort(),
                List.copyOf(list), List.copyOf(statics), c.controlSocket(), c.controlGroup(), c.busyPoll(),
                c.vnetOffloads(), c.offloadsAuto(), c.ringBytes(), c.metricsAddress(),
                c.source());
    }
}
