package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Supervised tenders ({@code command:} on a tender port): the switch launches the stand-in tender once the port is
 * up, restarts it with growing delays when it exits, flushes the port's FDB entries on each restart, and stops it
 * (and removes its tap) with the switch. Everything runs in namespaces this test creates and removes by name; the only
 * process killed by pid is the tender the switch under test started.
 */
@Tag("root")
class TenderSupervisionIT extends SwitchTestSupport {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String TENDER_MAC = "02:00:00:00:01:00";


    @BeforeEach
    void prerequisites() throws Exception {
        Prerequisites.require("ip", "ping", "ethtool", "gcc", "setpriv");
        StandinTender.binary();
    }

    private Netns vethPeer(Netns switchNs, String role) {
        return Peers.join(switchNs, "up0", ns(role), "10.0.0.3/24");
    }

    private static String config(String tenderPort) {
        return String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: up0, type: netdev}",
                "  - " + tenderPort);
    }

    private static String standinPort() throws Exception {
        return "{name: tap100, type: tender, mac: " + TENDER_MAC + ", stop-timeout: 2s, command: ["
                + StandinTender.binary() + ", \"--net={port}\", --ipv4=10.0.0.2/24, \"--mac={mac}\"]}";
    }

    @Test
    void aKilledTenderIsRestartedTrafficResumesAndTheSwitchStopsIt() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = vethPeer(swNs, "lan");
        sw = SwitchProcess.start(swNs, dir, config(standinPort()));
        awaitLog("port tap100: tender: standin-tender: attached", 1);
        assertEquals(3, Ping.run(lan, "10.0.0.2", 3, Duration.ofMillis(100), 56, T).received(), sw.log());
        JsonNode tender = sw.port("tap100").path("tender");
        long pid = tender.path("pid").asLong();
        assertTrue(pid > 0, tender.toString());
        assertEquals(0, tender.path("restarts").asLong());

        // kill -9 in the middle of a bounded flood.
        Path pingLog = dir.resolve("flood.log");
        Process flood = lan.spawn(List.of("ping", "-f", "-q", "-c", "20000", "-w", "20", "10.0.0.2"), pingLog);
        // The flood runs at tens of thousands of echoes per second here, so the kill comes early in it.
        Thread.sleep(150);
        assertTrue(flood.isAlive(), "the flood is still running when the tender is killed");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(flood.waitFor(30, TimeUnit.SECONDS), "flood ended");
        String floodOut = Files.readString(pingLog);
        assertFalse(floodOut.contains(" 0% packet loss"), "the kill cost the flood some echoes: " + floodOut);

        // Restarted (after 0.5 s), the FDB flushed, and traffic resumes; the tender's MAC is learned again.
        awaitLog("port tap100: tender: standin-tender: attached", 2);
        assertTrue(sw.log().contains("port tap100: restarting its tender;"), sw.log());
        Ping.Stats after = Ping.run(lan, "10.0.0.2", 5, Duration.ofMillis(100), 56, T);
        assertEquals(5, after.received(), "pings after the restart: " + after + "\n" + sw.log());
        tender = sw.port("tap100").path("tender");
        assertTrue(tender.path("restarts").asLong() >= 1, tender.toString());
        long newPid = tender.path("pid").asLong();
        assertTrue(newPid > 0, tender.toString());
        assertNotEquals(pid, newPid);
        JsonNode entry = fdbEntry(TENDER_MAC);
        assertEquals("tap100", entry.path("port").asText(), entry.toString());
        assertTrue(entry.path("ageSeconds").asDouble() < 10, "re-learned after the flush: " + entry);

        // Stopping the switch stops the tender and removes its tap.
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertFalse(ProcessHandle.of(newPid).map(ProcessHandle::isAlive).orElse(false), "tender gone");
        assertFalse(Links.exists(swNs, "tap100"), "a supervised tender's tap goes with the switch");
    }

    @Test
    void aTenderThatExitsAtOnceIsRestartedWithGrowingDelays() throws Exception {
        Netns swNs = ns("sw");
        vethPeer(swNs, "lan");
        sw = SwitchProcess.start(swNs, dir, config("{name: tap100, type: tender, command: [/bin/false]}"));
        Thread.sleep(4000);
        long restarts = sw.port("tap100").path("tender").path("restarts").asLong();
        assertTrue(restarts >= 2 && restarts <= 6, "restarts in ~4 s: " + restarts + "\n" + sw.log());
        String log = sw.log();
        assertTrue(log.contains("restarting in 500 ms") && log.contains("restarting in 1000 ms")
                && log.contains("restarting in 2000 ms"), log);
    }

    @Test
    void theTenderRunsAsItsUserAndAMissingCommandIsAStartErrorNamingThePort() throws Exception {
        Netns swNs = ns("sw");
        vethPeer(swNs, "lan");
        String before = links(swNs);

        Outcome o = run(swNs, config("{name: tap100, type: tender, command: [/nonexistent/uniswitch-tender, "
                + "\"--net:service={port}\"]}"));
        assertEquals(3, o.exitCode(), o.stderr());
        assertTrue(o.stderr().contains("port tap100 (") && o.stderr().contains(
                "the tender command \"/nonexistent/uniswitch-tender\" does not exist or is not executable"),
                o.stderr());
        assertEquals(before, links(swNs), "nothing left behind");

        // user/group: the tender runs through setpriv as that user, with that group and no other groups.
        sw = SwitchProcess.start(swNs, dir, config("{name: tap100, type: tender, user: nobody, group: nogroup, "
                + "command: [/bin/sh, -c, \"echo as $(id -u):$(id -g):$(id -G) on {port}; exec sleep 60\"]}"));
        awaitLog("port tap100: tender: as 65534:65534:65534 on tap100", 1);
        long pid = sw.port("tap100").path("tender").path("pid").asLong();
        assertEquals(0, sw.stop(), sw.log());
        sw = null;
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "tender gone");
        assertEquals(before, links(swNs), "nothing left behind");
    }

    private void awaitLog(String line, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (count(sw.log(), line) < times) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + line + "\" not logged " + times + " times:\n" + sw.log());
            }
            Thread.sleep(50);
        }
    }

    private static int count(String text, String s) {
        int n = 0;
        for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) {
            n++;
        }
        return n;
    }

    private JsonNode fdbEntry(String mac) throws Exception {
        for (JsonNode e : sw.cliJson("fdb")) {
            if (e.path("mac").asText().equals(mac)) {
                return e;
            }
        }
        throw new AssertionError("no fdb entry for " + mac + ": " + sw.cliJson("fdb"));
    }
}
