package io.uniswitch.daemon.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.SwitchCounters;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Macs;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.Port;
import io.uniswitch.bridge.port.PortCounters;
import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.config.ConfigLoader;
import io.uniswitch.daemon.config.PortConfig;
import io.uniswitch.daemon.config.SwitchConfig;
import io.uniswitch.daemon.control.CaptureProtocol;
import io.uniswitch.daemon.control.ControlServer;

/**
 * The control socket's verbs. Each snapshot of data-plane state is taken in one task on the loop thread, so the
 * figures of one answer are consistent with each other.
 */
final class ControlCommands implements ControlServer.Handler {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final SwitchDaemon daemon;

    ControlCommands(SwitchDaemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public JsonNode handle(String cmd, JsonNode request) {
        switch (cmd) {
            case "show":
                return daemon.dataplane().call(this::show);
            case "fdb":
                return daemon.dataplane().call(this::fdb);
            case "fdb-flush":
                return fdbFlush(request.path("port").asText(null));
            case "fdb-add":
                return fdbAdd(text(request, "mac"), text(request, "port"), vlan(request));
            case "fdb-del":
                return fdbDel(text(request, "mac"), vlan(request));
            case "port-add":
                return portAdd(request);
            case "port-del":
                return portDel(text(request, "name"));
            case "port-set":
                return portSet(text(request, "name"), request);
            case "reload":
                return reload();
            case "ping":
                return JSON.textNode("pong");
            default:
                throw new IllegalArgumentException("unknown command \"" + cmd + "\"; known: show, fdb, fdb-flush, "
                        + "fdb-add, fdb-del, port-add, port-del, port-set, reload, ping, capture");
        }
    }

    @Override
    public boolean isStream(String cmd) {
        return CaptureProtocol.CMD.equals(cmd);
    }

    @Override
    public ControlServer.Stream openStream(String cmd, JsonNode request) {
        return CaptureStream.open(daemon.dataplane(), request);
    }

    /**
     * The port's settings arrive as the same keys a config file uses and go through the same validation: the request
     * is turned into a one-port config (JSON is YAML) and parsed by {@link ConfigLoader}.
     */
    private ObjectNode portAdd(JsonNode request) {
        JsonNode port = request.get("port");
        if (port == null || !port.isObject()) {
            throw new IllegalArgumentException("request is missing \"port\" (an object with name, type, ...)");
        }
        ObjectNode doc = JSON.objectNode();
        doc.put("switch", daemon.config().switchName());
        doc.putArray("ports").add(port);
        PortConfig p;
        try {
            p = ConfigLoader.parse("port add", doc.toString()).ports().get(0);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^port add:\\d*:? ?", ""));
        }
        try {
            daemon.addPort(p);
        } catch (StartException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        ObjectNode o = JSON.objectNode();
        o.put("added", p.name());
        return o;
    }

    private ObjectNode portDel(String name) {
        if (!daemon.removePort(name)) {
            throw new IllegalArgumentException("no port \"" + name + "\"; `uniswitch show` lists the ports");
        }
        ObjectNode o = JSON.objectNode();
        o.put("removed", name);
        return o;
    }

    /** Administrative state: a port set down neither receives nor sends; its queued frames are dropped. */
    private ObjectNode portSet(String name, JsonNode request) {
        if (!request.has("up")) {
            throw new IllegalArgumentException("nothing to set; give --up or --down");
        }
        boolean up = request.path("up").asBoolean();
        return daemon.dataplane().call(() -> {
            Port p = portNamed(name);
            p.setUp(up);
            ObjectNode o = JSON.objectNode();
            o.put("name", name);
            o.put("up", p.isUp());
            return o;
        });
    }

    private ObjectNode reload() {
        SwitchConfig next;
        try {
            next = ConfigLoader.load(java.nio.file.Path.of(daemon.config().source()));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("reload refused, running config kept: " + e.getMessage());
        }
        try {
            ObjectNode o = JSON.objectNode();
            o.put("applied", daemon.reload(next));
            return o;
        } catch (StartException e) {
            throw new IllegalArgumentException("reload refused, running config kept: " + e.getMessage());
        }
    }

    private static String text(JsonNode request, String field) {
        JsonNode n = request.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new IllegalArgumentException("request is missing \"" + field + "\"");
        }
        return n.asText();
    }

    private static int vlan(JsonNode request) {
        int vlan = request.path("vlan").asInt(0);
        if (vlan < 0 || vlan > 4094) {
            throw new IllegalArgumentException("vlan " + vlan + " is out of range 0..4094");
        }
        return vlan;
    }

    private static long mac(String text) {
        long mac = Macs.parse(text);
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            throw new IllegalArgumentException("mac " + text
                    + " is multicast or zero; static entries take unicast MACs");
        }
        return mac;
    }

    private Port portNamed(String name) {
        Port p = daemon.dataplane().port(name);
        if (p == null) {
            throw new IllegalArgumentException("no port \"" + name + "\"; `uniswitch show` lists the ports");
        }
        return p;
    }

    /** Removes learned entries (of one port, or all); static entries stay, as with `bridge fdb flush`. */
    private ObjectNode fdbFlush(String portName) {
        return daemon.dataplane().call(() -> {
            Fdb fdb = daemon.dataplane().engine().fdb();
            int removed = portName == null ? fdb.flushAll() : fdb.flushPort(portNamed(portName).index());
            ObjectNode o = JSON.objectNode();
            o.put("removed", removed);
            return o;
        });
    }

    private ObjectNode fdbAdd(String macText, String portName, int vlan) {
        long mac = mac(macText);
        return daemon.dataplane().call(() -> {
            Port p = portNamed(portName);
            daemon.dataplane().engine().fdb().addStatic(vlan, mac, p.index());
            ObjectNode o = JSON.objectNode();
            o.put("mac", Macs.format(mac));
            o.put("port", p.name());
            o.put("vlan", vlan);
            return o;
        });
    }

    private ObjectNode fdbDel(String macText, int vlan) {
        long mac = Macs.parse(macText);
        return daemon.dataplane().call(() -> {
            if (!daemon.dataplane().engine().fdb().remove(vlan, mac)) {
                throw new IllegalArgumentException("no fdb entry for " + Macs.format(mac) + " on vlan " + vlan);
            }
            ObjectNode o = JSON.objectNode();
            o.put("removed", 1);
            return o;
        });
    }

    private ObjectNode show() {
        ForwardingEngine engine = daemon.dataplane().engine();
        ObjectNode root = JSON.objectNode();
        root.put("switch", daemon.config().switchName());
        root.put("uptimeSeconds", (System.currentTimeMillis() - daemon.startedMillis()) / 1000.0);
        root.put("monotonicNs", System.nanoTime());
        root.put("ageingSeconds", daemon.config().ageing().toMillis() / 1000.0);
        ObjectNode fdb = root.putObject("fdb");
        fdb.put("entries", engine.fdb().size());
        fdb.put("maxEntries", daemon.config().fdbMaxEntries());
        fdb.put("maxEntriesPerPort", daemon.config().fdbMaxEntriesPerPort());
        SwitchCounters sc = engine.counters();
        fdb.put("learned", sc.fdbLearned());
        fdb.put("moved", sc.fdbMoved());
        fdb.put("aged", sc.fdbAged());
        fdb.put("refused", sc.fdbRefused());
        fdb.put("staticMoveRefused", sc.fdbStaticMoveRefused());
        ObjectNode fwd = root.putObject("forwarding");
        fwd.put("unicastFrames", sc.unicastFrames());
        fwd.put("floodedFrames", sc.floodedFrames());
        fwd.set("drops", drops(sc));
        ArrayNode ports = root.putArray("ports");
        for (FdPort p : daemon.dataplane().ports()) {
            ports.add(port(p));
        }
        return root;
    }

    private ObjectNode port(Port p) {
        SwitchDaemon.PortDetails d = daemon.portDetails(p.name());
        PortCounters c = p.counters();
        ObjectNode o = JSON.objectNode();
        o.put("name", p.name());
        o.put("index", p.index());
        o.put("type", p.type());
        o.put("mtu", p.mtuBytes());
        o.put("up", p.isUp());
        if (d != null && d.address() != null) {
            o.put("address", d.address());
        }
        o.put("rxFrames", c.rxFrames);
        o.put("rxBytes", c.rxBytes);
        o.put("txFrames", c.txFrames);
        o.put("txBytes", c.txBytes);
        o.put("errors", c.errors);
        o.put("txQueued", p.hasPendingTx());
        ObjectNode drops = o.putObject("drops");
        long total = 0;
        for (DropReason r : DropReason.values()) {
            long n = c.dropCount(r);
            if (n != 0) {
                drops.put(r.label(), n);
                total += n;
            }
        }
        o.put("dropsTotal", total);
        io.uniswitch.tendernet.solo5.TenderSupervisor tender = daemon.tender(p.name());
        if (tender != null) {
            ObjectNode t = o.putObject("tender");
            t.put("pid", tender.pid());
            t.put("restarts", tender.restarts());
        }
        CaptureTap tap = p.captureTap();
        if (tap != null) {
            ObjectNode capture = o.putObject("capture");
            capture.put("capturedFrames", tap.capturedFrames());
            capture.put("filteredFrames", tap.filteredFrames());
            capture.put("droppedFrames", tap.droppedFrames());
        }
        return o;
    }

    private static ObjectNode drops(SwitchCounters sc) {
        ObjectNode o = JSON.objectNode();
        for (DropReason r : DropReason.values()) {
            long n = sc.dropCount(r);
            if (n != 0) {
                o.put(r.label(), n);
            }
        }
        return o;
    }

    private ArrayNode fdb() {
        ForwardingEngine engine = daemon.dataplane().engine();
        ArrayNode out = JSON.arrayNode();
        for (Fdb.Entry e : engine.fdb().entries(System.nanoTime())) {
            Port p = engine.port(e.portIndex());
            ObjectNode o = out.addObject();
            o.put("mac", Macs.format(e.mac()));
            o.put("vlan", e.vlan());
            o.put("port", p == null ? "?" : p.name());
            o.put("static", e.isStatic());
            o.put("ageSeconds", e.ageNs() / 1e9);
        }
        return out;
    }
}
