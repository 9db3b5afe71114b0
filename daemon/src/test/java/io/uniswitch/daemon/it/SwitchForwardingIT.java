package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The switch forwarding real traffic between real network stacks: each test builds namespaces, veths and taps of
 * its own, runs {@code uniswitch run} in a namespace of its own, and removes everything by name afterwards.
 *
 * <p>Offloads are off on every namespace peer (and the switch turns them off on its side): without vnet headers a
 * userspace switch can carry neither super-frames nor partial checksums.
 */
@Tag("root")
class SwitchForwardingIT extends SwitchTestSupport {
    private static final Duration T = Duration.ofSeconds(30);


    @BeforeEach
    void prerequisites() {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool", "tcpdump");
    }

    /** A peer namespace joined to the switch namespace by a veth: the switch end is {@code swEnd}. */
    private Netns vethPeer(Netns switchNs, String swEnd, String role, String cidr) {
        return Peers.join(switchNs, swEnd, ns(role), cidr);
    }

    /** Moves a tap that the running switch holds into a peer namespace and gives it an address. */
    private Netns tapPeer(Netns switchNs, String tap, String role, String cidr) {
        Netns peer = ns(role);
        Links.moveTo(tap, switchNs, peer);
        Links.addAddress(peer, tap, cidr);
        Links.up(peer, tap);
        Links.offloadsOff(peer, tap);
        return peer;
    }

    private static void assertPings(Netns from, String to) {
        Ping.Stats small = Ping.run(from, to, 5, Duration.ofMillis(100), 56, T);
        assertEquals(5, small.received(), "56-byte pings " + from.name() + " -> " + to);
        Ping.Stats full = Ping.run(from, to, 5, Duration.ofMillis(100), 1472, T);
        assertEquals(5, full.received(), "1472-byte pings (1500-byte packets) " + from.name() + " -> " + to);
    }

    private void assertTcpBothWays(Netns client, Netns server, String serverIp) {
        Process s = Iperf3.server(server, serverIp, 5201, dir.resolve("iperf3-server-" + server.name() + ".log"));
        try {
            sleep(300);
            for (boolean reverse : new boolean[] {false, true}) {
                Iperf3.Result r = Iperf3.tcp(client, serverIp, 5201, Duration.ofSeconds(3), 1, reverse, T);
                // A working switch moves hundreds of Mbit/s here; a broken checksum or MTU path moves ~0.
                assertTrue(r.bitsPerSecond() > 50e6, (reverse ? "reverse " : "") + "TCP throughput "
                        + r.bitsPerSecond() / 1e6 + " Mbit/s");
            }
        } finally {
            s.destroy();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void netdevToTap() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = vethPeer(swNs, "up0", "lan", "10.0.0.3/24");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: br100",
                // Offload mode off, explicitly: this test checks that the switch turns offloads off and restores them.
                "dataplane: {offloads: off}",
                "ports:",
                "  - {name: br100, type: tap, address: 10.0.0.1/24}",
                "  - {name: guest0, type: tap}",
                "  - {name: up0, type: netdev}"));
        Netns guest = tapPeer(swNs, "guest0", "gst", "10.0.0.2/24");

        assertPings(guest, "10.0.0.3");
        assertPings(lan, "10.0.0.2");
        assertPings(swNs, "10.0.0.2");
        assertPings(lan, "10.0.0.1");
        assertTcpBothWays(guest, lan, "10.0.0.3");

        JsonNode up = sw.port("up0");
        assertTrue(up.path("rxFrames").asLong() > 1000 && up.path("txFrames").asLong() > 1000, up.toString());
        assertEquals(0, sw.port("guest0").path("drops").path("frame_too_large").asLong(),
                "no oversize frames with offloads off");
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: off"), "TSO off while attached");
        assertTrue(sw.log().contains("port up0: offloads"), "the switch says what it turned off:\n" + sw.log());

        // A clean stop removes the taps it created and gives the uplink its offloads back.
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertFalse(Links.exists(swNs, "br100"), "tap br100 removed on stop");
        assertFalse(Links.exists(guest, "guest0"), "tap guest0 removed on stop");
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: on"), "TSO restored on the veth");
    }

    @Test
    void aKilledSwitchsChangesArePutBackByTheNextOne() throws Exception {
        Netns swNs = ns("sw");
        vethPeer(swNs, "up0", "lan", "10.0.0.3/24");
        String withUplink = String.join("\n",
                "switch: sw0",
                "dataplane: {offloads: off}",
                "ports:",
                "  - {name: up0, type: netdev, mtu: 1400}");
        assertEquals("1500", mtu(swNs, "up0"));
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: on"));
        Path ledger = dir.resolve("sw0.restore");

        sw = SwitchProcess.start(swNs, dir, withUplink);
        assertEquals("1400", mtu(swNs, "up0"));
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: off"));
        assertTrue(Files.exists(ledger), "the originals are on disk while the switch has them changed");
        sw.kill();
        sw = null;
        assertEquals("1400", mtu(swNs, "up0"), "a killed switch could not put the MTU back");

        // The next switch takes the recorded originals, not what the killed one left, and puts them back at stop.
        sw = SwitchProcess.start(swNs, dir, withUplink);
        assertTrue(sw.log().contains("stopped without putting back"), sw.log());
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertEquals("1500", mtu(swNs, "up0"), "MTU put back by the next switch's stop");
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: on"), "TSO put back");
        assertFalse(Files.exists(ledger), "nothing left to put back: no file");

        // Killed again, and the next switch no longer has the port: it puts the interface back as it starts.
        sw = SwitchProcess.start(swNs, dir, withUplink);
        sw.kill();
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: br100, type: tap}"));
        assertEquals("1500", mtu(swNs, "up0"), "put back at start: the port left the config");
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: on"));
        assertFalse(Files.exists(ledger));
        assertEquals(0, sw.stop(), sw.log());

        // Killed again, and someone sets the MTU by hand before the next start: that MTU stands (the record no
        // longer describes the interface), while the offloads, still as the killed switch left them, are put back.
        sw = SwitchProcess.start(swNs, dir, withUplink);
        sw.kill();
        swNs.exec(T, "ip", "link", "set", "up0", "mtu", "1450");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "dataplane: {offloads: off}",
                "ports:",
                "  - {name: up0, type: netdev}"));
        assertEquals("1450", mtu(swNs, "up0"));
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertEquals("1450", mtu(swNs, "up0"), "an MTU set by hand after the kill is not overwritten");
        assertTrue(offloads(swNs, "up0").contains("tcp-segmentation-offload: on"), "offloads put back");
        assertFalse(Files.exists(ledger));
    }

    @Test
    void aTapMadeElsewhereGetsItsMtuAndOffloadsBack() throws Exception {
        Netns swNs = ns("sw");
        swNs.exec(T, "ip", "tuntap", "add", "dev", "hand0", "mode", "tap");
        swNs.exec(T, "ip", "link", "set", "hand0", "mtu", "9000");
        assertTrue(offloads(swNs, "hand0").contains("generic-segmentation-offload: on"));
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "dataplane: {offloads: off}",
                "ports:",
                "  - {name: hand0, type: tap}",
                "  - {name: made0, type: tap}"));
        assertEquals("1500", mtu(swNs, "hand0"), "the port's MTU (tap default 1500) while attached");
        assertTrue(offloads(swNs, "hand0").contains("generic-segmentation-offload: off"));
        String ledger = Files.readString(dir.resolve("sw0.restore"));
        assertTrue(ledger.contains("hand0 ") && !ledger.contains("made0"),
                "only what the switch did not make is recorded: " + ledger);
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertEquals("9000", mtu(swNs, "hand0"), "the tap someone else made gets its MTU back");
        assertTrue(offloads(swNs, "hand0").contains("generic-segmentation-offload: on"), "and its offloads");
        assertTrue(Links.exists(swNs, "hand0"), "and stays");
        assertFalse(Links.exists(swNs, "made0"), "the tap the switch made is removed");
    }

    private static String mtu(Netns ns, String dev) {
        return ns.exec(T, "cat", "/sys/class/net/" + dev + "/mtu").stdout().strip();
    }

    private static String offloads(Netns ns, String dev) {
        return ns.exec(T, "ethtool", "-k", dev).stdout();
    }

    @Test
    void netdevToNetdev() throws Exception {
        Netns swNs = ns("sw");
        Netns a = vethPeer(swNs, "pa", "a", "10.0.0.11/24");
        Netns b = vethPeer(swNs, "pb", "b", "10.0.0.12/24");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                // A small board's setting: 1 MiB of receive ring per port instead of 8 (32 in mode vnet).
                "dataplane: {ring: 1MiB}",
                "ports:",
                "  - {name: pa, type: netdev}",
                "  - {name: pb, type: netdev}"));
        assertEquals(List.of(1L << 20, 1L << 20), socketMappingBytes(sw.pid()),
                "one receive ring of dataplane.ring per port, mapped by the switch");
        assertPings(a, "10.0.0.12");
        assertPings(b, "10.0.0.11");
        assertTcpBothWays(a, b, "10.0.0.12");
    }

    /** Sizes of the process's memory mappings of sockets (packet rings), from /proc/PID/maps. */
    private static List<Long> socketMappingBytes(long pid) throws IOException {
        List<Long> sizes = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"))) {
            if (line.endsWith("]") && line.contains(" socket:[")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                sizes.add(Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16));
            }
        }
        return sizes;
    }

    @Test
    void twoGuestsLearnEachOther() throws Exception {
        Netns swNs = ns("sw");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: g1, type: tap}",
                "  - {name: g2, type: tap}"));
        Netns g1 = tapPeer(swNs, "g1", "g1", "10.0.0.21/24");
        Netns g2 = tapPeer(swNs, "g2", "g2", "10.0.0.22/24");
        assertPings(g1, "10.0.0.22");
        String mac1 = Links.macAddress(g1, "g1");
        String mac2 = Links.macAddress(g2, "g2");

        Map<String, String> learned = new HashMap<>();
        for (JsonNode e : sw.cliJson("fdb")) {
            learned.put(e.path("mac").asText(), e.path("port").asText());
            assertTrue(!e.path("static").asBoolean() && e.path("ageSeconds").asDouble() < 60, e.toString());
        }
        assertEquals("g1", learned.get(mac1), "fdb: " + learned);
        assertEquals("g2", learned.get(mac2), "fdb: " + learned);
        assertEquals(2, learned.size(), "fdb: " + learned);

        JsonNode show = sw.cliJson("show");
        assertTrue(show.path("forwarding").path("unicastFrames").asLong() >= 10, show.toString());

        // FDB changes from the CLI: a static entry, its removal, and a flush of one port's learned entries.
        String s = sw.socket().toString();
        assertEquals(0, SwitchProcess.cli("fdb", "add", "02:00:00:00:00:99", "g2", "--socket", s).exitCode());
        assertEquals("g2", fdb(sw).get("02:00:00:00:00:99"));
        assertEquals(0, SwitchProcess.cli("fdb", "del", "02:00:00:00:00:99", "--socket", s).exitCode());
        assertEquals(null, fdb(sw).get("02:00:00:00:00:99"));
        SwitchProcess.CliRun bad = SwitchProcess.cli("fdb", "add", "02:00:00:00:00:99", "nosuch", "--socket", s);
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("no port \"nosuch\""), bad.err());
        // g1's host may talk again (IPv6 neighbour discovery) and be re-learned right after the flush, so the
        // flush's own count says what it removed; g2's entry must still be there.
        SwitchProcess.CliRun flush = SwitchProcess.cli("fdb", "flush", "g1", "-j", "--socket", s);
        assertEquals(0, flush.exitCode(), flush.err());
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(flush.out()).path("removed").asInt(),
                flush.out());
        Map<String, String> after = fdb(sw);
        assertEquals("g2", after.get(mac2), "g2's entry kept: " + after);

        // stats measures rates over an interval and lists every port.
        SwitchProcess.CliRun stats = SwitchProcess.cli("stats", "-i", "0.5", "--socket", s);
        assertEquals(0, stats.exitCode(), stats.err());
        assertTrue(stats.out().contains("RX-FRAMES/S") && stats.out().contains("g1"), stats.out());
    }

    private static Map<String, String> fdb(SwitchProcess sw) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (JsonNode e : sw.cliJson("fdb")) {
            m.put(e.path("mac").asText(), e.path("port").asText());
        }
        return m;
    }

    @Test
    void broadcastReachesEveryOtherPort() throws Exception {
        Netns swNs = ns("sw");
        Netns a = vethPeer(swNs, "pa", "a", "10.0.0.31/24");
        Netns b = vethPeer(swNs, "pb", "b", "10.0.0.32/24");
        Netns c = vethPeer(swNs, "pc", "c", "10.0.0.33/24");
        sw = SwitchProcess.start(swNs, dir, String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: pa, type: netdev}",
                "  - {name: pb, type: netdev}",
                "  - {name: pc, type: netdev}"));
        // tcpdump in b and c waits for the ARP request a broadcasts for an address nobody has (10.0.0.99).
        String filter = "arp and ether dst ff:ff:ff:ff:ff:ff and arp[24:4] = 0x0a000063";
        Process capB = b.spawn(List.of("timeout", "20", "tcpdump", "-n", "-c", "1", "-i", "eth0", filter),
                dir.resolve("tcpdump-b.log"));
        Process capC = c.spawn(List.of("timeout", "20", "tcpdump", "-n", "-c", "1", "-i", "eth0", filter),
                dir.resolve("tcpdump-c.log"));
        sleep(1500);
        Cmd.runAllowFail(T, a.wrap(List.of("ping", "-c", "3", "-i", "0.5", "-W", "1", "10.0.0.99"))
                .toArray(new String[0]));
        assertEquals(0, capB.waitFor(), "tcpdump in b saw the broadcast");
        assertEquals(0, capC.waitFor(), "tcpdump in c saw the broadcast");
        assertTrue(sw.cliJson("show").path("forwarding").path("floodedFrames").asLong() >= 1);
    }
}
