package io.uniswitch.daemon.run;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.frame.Macs;
import io.uniswitch.bridge.loop.Dataplane;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.NetdevPort;
import io.uniswitch.bridge.port.TapPort;
import io.uniswitch.daemon.config.PortConfig;
import io.uniswitch.daemon.config.PortType;
import io.uniswitch.daemon.config.StaticEntry;
import io.uniswitch.daemon.config.SwitchConfig;
import io.uniswitch.daemon.control.ControlServer;
import io.uniswitch.tap.device.NetInterfaces;
import io.uniswitch.tap.device.Offloads;
import io.uniswitch.tap.device.PacketSocket;
import io.uniswitch.tap.device.TapOptions;
import io.uniswitch.tap.device.TunDevice;
import io.uniswitch.tap.linux.NativeException;
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
 */
public final class SwitchDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SwitchDaemon.class.getName());

    private final SwitchConfig config;
    private final UndoStack undo = new UndoStack();
    private final Map<String, PortDetails> details = new LinkedHashMap<>();
    private final long startedMillis = System.currentTimeMillis();
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private Dataplane dataplane;
    private ControlServer control;
    private boolean closed;

    /** What the control plane reports about a port besides its counters. */
    public record PortDetails(String name, String type, int mtuBytes, String address, boolean created,
            Offloads.State offloadsBefore) {
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

    public Map<String, PortDetails> portDetails() {
        return details;
    }

    /** Checks what can be checked before anything changes, so most mistakes fail with nothing to undo. */
    private void preflight() {
        for (PortConfig p : config.ports()) {
            String at = where(p);
            if (p.type() == PortType.NETDEV && !NetInterfaces.exists(p.name())) {
                throw new StartException(at + ": interface " + p.name() + " does not exist; check the name with "
                        + "`ip link`, create it first, or declare it as `type: tap` to have the switch create it");
            }
            if (p.type() == PortType.TAP && NetInterfaces.exists(p.name()) && !NetInterfaces.isTunTap(p.name())) {
                throw new StartException(at + ": an interface named " + p.name() + " already exists and is not a tap; "
                        + "choose another name, or declare it as `type: netdev` to attach the existing interface");
            }
        }
        ControlServer.checkAvailable(config.controlSocket());
    }

    private void bringUp() {
        EngineConfig engineConfig = EngineConfig.defaults()
                .withAgeingNs(config.ageing().toNanos())
                .withFdbMaxEntries(config.fdbMaxEntries())
                .withFdbMaxEntriesPerPort(config.fdbMaxEntriesPerPort());
        dataplane = new Dataplane(engineConfig, config.switchName(), config.busyPoll().toNanos());
        for (PortConfig p : config.ports()) {
            FdPort port = p.type() == PortType.TAP ? openTap(p) : openNetdev(p);
            dataplane.addPort(port);
        }
        for (StaticEntry s : config.staticEntries()) {
            dataplane.call(() -> {
                FdPort port = dataplane.port(s.port());
                dataplane.engine().fdb().addStatic(s.vlan(), s.mac(), port.index());
                return null;
            });
            LOG.log(System.Logger.Level.INFO, "static fdb entry " + Macs.format(s.mac()) + " -> " + s.port());
        }
        control = new ControlServer(config.controlSocket(), new ControlCommands(this));
        control.start();
        LOG.log(System.Logger.Level.INFO, "switch " + config.switchName() + " up: " + config.ports().size()
                + " ports, control socket " + config.controlSocket());
    }

    private FdPort openTap(PortConfig p) {
        String at = where(p);
        boolean existed = NetInterfaces.exists(p.name());
        TunDevice tap;
        try {
            tap = TunDevice.open(p.name(), TapOptions.DEFAULTS.withPersist(p.persist()));
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
            NetInterfaces.setMtu(p.name(), p.mtuBytes());
            Offloads.State before = offloadsOff(p.name(), !existed);
            NetInterfaces.setUp(p.name(), true);
            if (p.address() != null) {
                NetInterfaces.setIpv4Address(p.name(), p.address().address(), p.address().prefixLength());
            }
            details.put(p.name(), new PortDetails(p.name(), TapPort.TYPE, p.mtuBytes(),
                    p.address() == null ? null : p.address().toString(), !existed, before));
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": tap " + (existed ? "attached" : "created")
                    + ", mtu " + p.mtuBytes() + (p.address() != null ? ", address " + p.address() : "")
                    + (p.persist() ? ", persistent" : ""));
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
        return new TapPort(tap, p.mtuBytes(), p.queueFrames(), allocator);
    }

    private FdPort openNetdev(PortConfig p) {
        String at = where(p);
        try {
            int mtu = NetInterfaces.mtu(p.name());
            if (p.mtuBytes() > 0 && p.mtuBytes() != mtu) {
                int old = mtu;
                NetInterfaces.setMtu(p.name(), p.mtuBytes());
                undo.push("restore mtu of " + p.name(), () -> NetInterfaces.setMtu(p.name(), old));
                mtu = p.mtuBytes();
            }
            Offloads.State before = offloadsOff(p.name(), true);
            PacketSocket socket = PacketSocket.open(p.name(), true);
            undo.push("close packet socket on " + p.name(), socket::close);
            if (!NetInterfaces.isUp(p.name())) {
                LOG.log(System.Logger.Level.WARNING, "port " + p.name() + ": interface is down; frames flow once it is "
                        + "up (ip link set " + p.name() + " up)");
            }
            details.put(p.name(), new PortDetails(p.name(), NetdevPort.TYPE, mtu, null, false, before));
            LOG.log(System.Logger.Level.INFO, "port " + p.name() + ": attached (AF_PACKET, promiscuous), mtu " + mtu);
            return new NetdevPort(socket, mtu, p.queueFrames(), allocator);
        } catch (NativeException e) {
            throw new StartException(at + ": " + e.getMessage(), e);
        }
    }

    /**
     * Turns off GRO, GSO, TSO and tx checksumming: without vnet headers a userspace switch can carry neither
     * super-frames nor partial checksums (they arrive corrupt, and TCP stalls while ping works). What was on is
     * restored when the port detaches, unless the switch created the interface.
     */
    private Offloads.State offloadsOff(String name, boolean restore) {
        Offloads.State before = Offloads.get(name);
        if (before.equals(Offloads.State.ALL_OFF)) {
            return before;
        }
        Offloads.State after = Offloads.set(name, Offloads.State.ALL_OFF);
        if (restore) {
            undo.push("restore offloads of " + name, () -> Offloads.set(name, before));
        }
        LOG.log(System.Logger.Level.INFO, "port " + name + ": offloads " + before.describe() + " -> " + after.describe()
                + " (a switch without vnet headers cannot carry them" + (restore ? "; restored on detach)" : ")"));
        if (!after.equals(Offloads.State.ALL_OFF)) {
            LOG.log(System.Logger.Level.WARNING, "port " + name + ": the driver kept " + after.describe()
                    + "; oversize frames will be dropped and counted as frame_too_large");
        }
        return before;
    }

    private String where(PortConfig p) {
        return "port " + p.name() + " (" + config.source() + ":" + p.line() + ")";
    }

    private void fail() {
        closed = true;
        stopServing();
        undo.unwind(true);
    }

    /**
     * Closes the control socket, then the data plane, which closes every attached port on the loop thread. Only then
     * may the undo steps run: a device must never be closed while the loop may still read its fd.
     */
    private void stopServing() {
        if (control != null) {
            control.close();
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
        stopServing();
        undo.unwind(false);
        LOG.log(System.Logger.Level.INFO, "switch " + config.switchName() + " stopped");
    }

    /** Names of ports in config order; used by the control plane. */
    public List<String> portNames() {
        return new ArrayList<>(details.keySet());
    }
}
