package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tender ports in tap mode: the switch provisions the tender's tap, the stand-in tender attaches to it by name as
 * solo5 does, and a namespace peer on a veth reaches the tender through the switch. Everything runs in namespaces this
 * test creates and removes by name.
 */
@Tag("root")
class TenderTapIT extends SwitchTestSupport {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String TENDER_MAC = "02:00:00:00:01:00";
    /** The foreign source MAC of the stand-in's --spoof frames. */
    private static final String SPOOF_MAC = "02:5e:00:00:00:66";
    private static final int FLOOD = 100_000;


    @BeforeEach
    void prerequisites() throws Exception {
        Prerequisites.require("ip", "ping", "ethtool", "gcc");
        StandinTender.binary();
    }

    private Netns vethPeer(Netns switchNs, String swEnd, String role, String cidr) {
        return Peers.join(switchNs, swEnd, ns(role), cidr);
    }

    private StandinTender tender(Netns ns, String log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--net=tap100", "--ipv4=10.0.0.2/24", "--mac=" + TENDER_MAC));
        args.addAll(List.of(extra));
        StandinTender t = StandinTender.start(ns, dir.resolve(log), args.toArray(new String[0]));
        toClose.add(t);
        return t;
    }

    private static String config(String tenderPort) {
        return String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: up0, type: netdev}",
                "  - " + tenderPort);
    }

    private static final String TENDER_PORT = "{name: tap100, type: tender, mode: tap, mtu: 1500, user: nobody, "
            + "group: nogroup, mac: " + TENDER_MAC + "}";

    @Test
    void floodPingIsAnsweredSpoofingIsDroppedAndTheTenderOutlivesASwitchRestart() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = vethPeer(swNs, "up0", "lan", "10.0.0.3/24");
        sw = SwitchProcess.start(swNs, dir, config(TENDER_PORT));

        // Provisioned as a tender needs it: a persistent tap owned by the tender's user and group, MTU, offloads off.
        assertTrue(Links.exists(swNs, "tap100"), "tap100 provisioned");
        assertEquals("65534", sysfs(swNs, "tap100", "owner"), "owner nobody");
        assertEquals("65534", sysfs(swNs, "tap100", "group"), "group nogroup");
        assertEquals("1500", sysfs(swNs, "tap100", "mtu"));
        String features = swNs.exec(T, "ethtool", "-k", "tap100").stdout();
        assertTrue(features.contains("generic-segmentation-offload: off")
                && features.contains("generic-receive-offload: off"), features);
        assertEquals("tender", sw.port("tap100").path("type").asText());

        // A flood ping answered in full, and the tender never exits early: in limit mode it exits 0 after exactly
        // FLOOD replies. Its first ARP answer comes with 5 frames from a foreign source MAC.
        StandinTender limited = tender(swNs, "tender-limit.log", "--limit=" + FLOOD, "--spoof=5");
        Ping.Stats flood = Ping.flood(lan, "10.0.0.2", FLOOD, Duration.ofSeconds(180));
        assertEquals(FLOOD, flood.received(), "flood ping replies: " + flood + "\n" + limited.log());
        assertEquals(0, limited.awaitExit(Duration.ofSeconds(10)), limited.log());
        assertTrue(limited.log().contains("limit reached: " + FLOOD + " echo replies"), limited.log());

        // Anti-spoofing: the foreign frames were dropped and counted on the pinned port, never learned.
        JsonNode port = sw.port("tap100");
        assertEquals(5, port.path("drops").path("spoofed_src_mac").asLong(), port.toString());
        Map<String, String> fdb = fdb(sw);
        assertEquals("tap100", fdb.get(TENDER_MAC), "fdb: " + fdb);
        assertFalse(fdb.containsKey(SPOOF_MAC), "spoofed source learned: " + fdb);
        assertTrue(port.path("txFrames").asLong() >= FLOOD && port.path("rxFrames").asLong() >= FLOOD,
                port.toString());

        // A tender started elsewhere keeps its tap across a switch restart and carries on after a pause.
        StandinTender running = tender(swNs, "tender.log");
        assertEquals(3, Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(100), 56, T).received());
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertTrue(Links.exists(swNs, "tap100"), "tender tap kept when the switch stops");
        assertTrue(running.isAlive(), "tender survives the switch stop:\n" + running.log());
        sw = SwitchProcess.start(swNs, dir, config(TENDER_PORT));
        assertTrue(sw.log().contains("port tap100: tender tap attached (held by its tender)"), sw.log());
        Ping.Stats after = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(100), 56, T);
        assertEquals(5, after.received(), "pings after the restart: " + after);
        Ping.Stats full = Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(100), 1472, T);
        assertEquals(3, full.received(), "1500-byte packets after the restart: " + full);
        assertTrue(running.isAlive(), "tender still running:\n" + running.log());

        // The port leaves the config: its tap goes, and the tender loses its network as with a deleted tap.
        SwitchProcess.CliRun del = SwitchProcess.cli("port", "del", "tap100", "--socket", sw.socket().toString());
        assertEquals(0, del.exitCode(), del.err());
        assertFalse(Links.exists(swNs, "tap100"), "tender tap removed with its port");
        assertEquals(1, running.awaitExit(Duration.ofSeconds(10)), running.log());
    }

    @Test
    void anExistingTapHeldByATenderIsAttachedAsItIs() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = vethPeer(swNs, "up0", "lan", "10.0.0.3/24");
        swNs.exec(T, "ip", "tuntap", "add", "dev", "tap100", "mode", "tap");
        swNs.exec(T, "ip", "link", "set", "tap100", "mtu", "9000", "up");
        StandinTender t = tender(swNs, "tender.log");
        sw = SwitchProcess.start(swNs, dir, config("{name: tap100, type: tender}"));
        assertEquals("1500", sysfs(swNs, "tap100", "mtu"), "the configured MTU (default 1500) wins");
        assertEquals(5, Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(100), 56, T).received(), t.log());
        assertTrue(t.isAlive(), t.log());
    }

    @Test
    void aTapThatDisappearsIsProvisionedAgainAndItsTenderReconnects() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = vethPeer(swNs, "up0", "lan", "10.0.0.3/24");
        sw = SwitchProcess.start(swNs, dir, config(TENDER_PORT) + "\nfdb:\n  static:\n    - {mac: " + TENDER_MAC
                + ", port: tap100}");
        StandinTender first = tender(swNs, "tender-1.log");
        assertEquals(3, Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(100), 56, T).received(), first.log());

        // Someone deletes the tap under the tender: the tender loses its device (its next read or write fails).
        swNs.exec(T, "ip", "link", "del", "tap100");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!sw.log().contains("port tap100: tender tap provisioned again") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(sw.log().contains("port tap100: its tender tap disappeared; provisioning it again"), sw.log());
        assertTrue(sw.log().contains("port tap100: tender tap provisioned again"), sw.log());
        assertTrue(Links.exists(swNs, "tap100"));
        assertEquals("65534", sysfs(swNs, "tap100", "owner"), "provisioned as configured: owner nobody");
        assertTrue(swNs.exec(T, "ip", "-o", "link", "show", "tap100").stdout().contains("UP"), "up again");
        first.close();

        // The tender, restarted as its supervisor (systemd) would, attaches to the new tap; traffic flows again and
        // the static entry follows the port to its new attachment.
        StandinTender second = tender(swNs, "tender-2.log");
        Ping.Stats after = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(100), 56, T);
        assertEquals(5, after.received(), "pings to the tender after re-provisioning: " + after + "\n" + sw.log());
        JsonNode entry = null;
        for (JsonNode e : sw.cliJson("fdb")) {
            if (e.path("mac").asText().equals(TENDER_MAC)) {
                entry = e;
            }
        }
        assertTrue(entry != null && entry.path("port").asText().equals("tap100")
                && entry.path("static").asBoolean(), "static entry: " + entry);
        assertTrue(second.isAlive(), second.log());
    }

    @Test
    void badInputIsAClearErrorNamingThePortAndLeavesNothingBehind() throws Exception {
        Netns swNs = ns("sw");
        Links.veth("up0", swNs, "eth0", ns("lan"));
        String before = links(swNs);

        // A name taken by an interface that is not a tap.
        Links.veth("tap100", swNs, "peer0", swNs);
        String withVeth = links(swNs);
        Outcome o = run(swNs, config("{name: tap100, type: tender}"));
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("port tap100 (") && o.stderr().contains("already exists and is not a tap"),
                o.stderr());
        assertEquals(withVeth, links(swNs));
        Links.delete(swNs, "tap100");

        // An unknown user or group.
        o = run(swNs, config("{name: tap100, type: tender, user: uniswitch-no-such-user}"));
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("port tap100 (") && o.stderr().contains(
                "user \"uniswitch-no-such-user\" does not exist"), o.stderr());
        o = run(swNs, config("{name: tap100, type: tender, group: uniswitch-no-such-group}"));
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("group \"uniswitch-no-such-group\" does not exist"), o.stderr());
        assertEquals(before, links(swNs), "nothing left behind");

        // A tender port without its device name.
        o = run(swNs, config("{type: tender, mode: tap}"));
        assertEquals(2, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains(":4: a port is missing `name:`"), o.stderr());
        assertEquals(before, links(swNs), "nothing left behind");
    }

    private static String sysfs(Netns ns, String dev, String attribute) {
        return ns.exec(T, "cat", "/sys/class/net/" + dev + "/" + attribute).stdout().strip();
    }

    private static Map<String, String> fdb(SwitchProcess sw) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (JsonNode e : sw.cliJson("fdb")) {
            m.put(e.path("mac").asText(), e.path("port").asText());
        }
        return m;
    }
}
