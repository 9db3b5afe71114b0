package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run-time changes leave untouched ports alone: while a ping stream and a UDP flow cross ports pa and pb, other
 * ports are added, set down, removed, and the config is reloaded (through the CLI and through SIGHUP), and not one
 * packet of the flows is lost. An invalid reload is refused and changes nothing.
 */
@Tag("root")
class ReconfigureIT {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static String config(String... extraPorts) {
        List<String> lines = new ArrayList<>(List.of("switch: sw0", "ports:", "  - {name: pa, type: netdev}",
                "  - {name: pb, type: netdev}"));
        for (String p : extraPorts) {
            lines.add("  - " + p);
        }
        return String.join("\n", lines);
    }

    private static List<String> portNames(SwitchProcess sw) throws Exception {
        List<String> names = new ArrayList<>();
        for (JsonNode p : sw.cliJson("show").path("ports")) {
            names.add(p.path("name").asText());
        }
        return names;
    }

    @Test
    void addRemoveAndReloadWithoutLosingAPacketOnOtherPorts() throws Exception {
        Prerequisites.require("ip", "ping", "iperf3", "ethtool");
        try (Netns swNs = Netns.create(Names.unique("usrsw"));
                Netns a = Netns.create(Names.unique("usra"));
                Netns b = Netns.create(Names.unique("usrb"))) {
            Peers.join(swNs, "pa", a, "10.0.0.1/24");
            Peers.join(swNs, "pb", b, "10.0.0.2/24");
            try (SwitchProcess sw = SwitchProcess.start(swNs, dir, config())) {
                Path cfg = dir.resolve("uniswitch.yaml");
                String control = "\ncontrol: {socket: " + sw.socket() + "}\n";
                String s = sw.socket().toString();
                assertEquals(2, Ping.run(a, "10.0.0.2", 2, Duration.ofMillis(100), 56, T).received());

                // The flows: 1000 pings at 5 ms and a 20 Mbit/s UDP stream, both across pa <-> pb.
                Process ping = a.spawn(List.of("ping", "-n", "-q", "-i", "0.005", "-c", "1000", "-W", "1",
                        "10.0.0.2"), dir.resolve("ping.log"));
                Process udpServer = Iperf3.server(b, "10.0.0.2", 5201, dir.resolve("iperf3-server.log"));
                Thread.sleep(300);
                Process udp = a.spawn(List.of("iperf3", "-c", "10.0.0.2", "-p", "5201", "-u", "-b", "20M", "-t",
                        "5", "-J"), dir.resolve("udp.json"));

                // Port verbs at run time.
                assertCli(0, "port", "add", "extra0", "--type", "tap", "--socket", s);
                assertTrue(portNames(sw).contains("extra0"));
                assertTrue(Links.exists(swNs, "extra0"));
                assertCli(0, "port", "set", "extra0", "--down", "--socket", s);
                assertFalse(sw.port("extra0").path("up").asBoolean());
                SwitchProcess.CliRun dup = SwitchProcess.cli("port", "add", "extra0", "--type", "tap", "--socket", s);
                assertEquals(1, dup.exitCode());
                assertTrue(dup.err().contains("already attached"), dup.err());
                assertCli(0, "port", "del", "extra0", "--socket", s);
                assertFalse(portNames(sw).contains("extra0"));
                assertFalse(Links.exists(swNs, "extra0"), "the tap the switch created is gone");

                // Reload through the CLI: a port added.
                Files.writeString(cfg, config("{name: t1, type: tap, mtu: 1400}") + control);
                assertCli(0, "reload", "--socket", s);
                assertEquals(List.of("pa", "pb", "t1"), portNames(sw));
                assertEquals(1400, sw.port("t1").path("mtu").asInt());

                // An invalid file is refused and changes nothing.
                Files.writeString(cfg, config("{name: t1, type: tap, mtu: 1400}", "{name: t2, type: tap, mtu: 5}")
                        + control);
                SwitchProcess.CliRun bad = SwitchProcess.cli("reload", "--socket", s);
                assertEquals(1, bad.exitCode());
                assertTrue(bad.err().contains("running config kept") && bad.err().contains("mtu 5"), bad.err());
                assertEquals(List.of("pa", "pb", "t1"), portNames(sw));

                // Reload through SIGHUP (systemctl reload): t1 changed, t3 added.
                Files.writeString(cfg, config("{name: t1, type: tap, mtu: 1300}", "{name: t3, type: tap}") + control);
                Cmd.run(T, "kill", "-HUP", Long.toString(sw.pid()));
                waitFor(() -> portNames(sw).contains("t3") && portNames(sw).contains("t1")
                        && sw.port("t1").path("mtu").asInt() == 1300, sw);

                // And removed again.
                Files.writeString(cfg, config() + control);
                assertCli(0, "reload", "--socket", s);
                assertEquals(List.of("pa", "pb"), portNames(sw));
                assertFalse(Links.exists(swNs, "t1"));

                assertTrue(ping.waitFor(30, TimeUnit.SECONDS), "ping finished");
                Ping.Stats stats = Ping.parse(Files.readString(dir.resolve("ping.log")));
                assertEquals(1000, stats.sent());
                assertEquals(1000, stats.received(), "no ping lost on the untouched ports");
                assertTrue(udp.waitFor(30, TimeUnit.SECONDS), "iperf3 finished");
                Iperf3.UdpResult u = Iperf3.parseUdp(Files.readString(dir.resolve("udp.json")));
                assertTrue(u.packets() > 1000, "udp packets " + u.packets());
                assertEquals(0, u.lostPackets(), "no UDP datagram lost on the untouched ports");
                udpServer.destroy();
                assertEquals(0, sw.stop(), sw.log());
            }
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check c, SwitchProcess sw) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                // What every thread of the switch was doing, for a reload that never showed.
                String threads = Cmd.runAllowFail(Duration.ofSeconds(20), "jstack", Long.toString(sw.pid())).stdout();
                throw new AssertionError("condition not met within 10 s; switch log:\n" + sw.log() + "\nthreads:\n"
                        + threads);
            }
            Thread.sleep(50);
        }
    }

    private static void assertCli(int expected, String... args) {
        SwitchProcess.CliRun r = SwitchProcess.cli(args);
        assertEquals(expected, r.exitCode(), String.join(" ", args) + ": " + r.err());
    }
}
