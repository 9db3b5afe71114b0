package io.uniswitch.daemon.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.SwitchCounters;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Macs;
import io.uniswitch.bridge.port.FdPort;
import io.uniswitch.bridge.port.Port;
import io.uniswitch.bridge.port.PortCounters;
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
            case "ping":
                return JSON.textNode("pong");
            default:
                throw new IllegalArgumentException("unknown command \"" + cmd + "\"; known: show, fdb, ping");
        }
    }

    private ObjectNode show() {
        ForwardingEngine engine = daemon.dataplane().engine();
        ObjectNode root = JSON.objectNode();
        root.put("switch", daemon.config().switchName());
        root.put("uptimeSeconds", (System.currentTimeMillis() - daemon.startedMillis()) / 1000.0);
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
        SwitchDaemon.PortDetails d = daemon.portDetails().get(p.name());
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
