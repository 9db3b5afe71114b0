package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tender ports in mode fd: the switch starts the stand-in tender with the far end of a SOCK_SEQPACKET socketpair as
 * fd 3 ({@code --net=@3}). A flood ping is answered in full, and a 100,000-frame burst written by the tender as fast
 * as it can never makes one of its writes fail (the stand-in exits 1 on any failed write, EAGAIN included, as a solo5
 * tender does). Namespaces are this test's own, removed by name.
 */
@Tag("root")
class TenderFdIT extends SwitchTestSupport {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String TENDER_MAC = "02:00:00:00:01:00";
    private static final int FLOOD = 100_000;
    private static final int BURST = 100_000;


    @BeforeEach
    void prerequisites() throws Exception {
        Prerequisites.require("ip", "ping", "ethtool", "gcc");
        StandinTender.binary();
    }

    private static String config(String... tenderArgs) throws Exception {
        StringBuilder command = new StringBuilder(StandinTender.binary().toString())
                .append(", \"--net={port}\", --ipv4=10.0.0.2/24, \"--mac={mac}\"");
        for (String a : tenderArgs) {
            command.append(", \"").append(a).append('"');
        }
        return String.join("\n",
                "switch: sw0",
                "ports:",
                "  - {name: up0, type: netdev}",
                "  - {name: t0, type: tender, mode: fd, mac: " + TENDER_MAC + ", command: [" + command + "]}");
    }

    @Test
    void aFloodPingThroughTheSocketpairIsAnsweredInFull() throws Exception {
        Netns swNs = ns("sw");
        Netns lan = Peers.join(swNs, "up0", ns("lan"), "10.0.0.3/24");
        String linksBefore = links(swNs);
        sw = SwitchProcess.start(swNs, dir, config("--limit=" + FLOOD));
        awaitLog("port t0: tender: standin-tender: attached @3 mtu 1500 mac " + TENDER_MAC);
        assertEquals(linksBefore, links(swNs), "mode fd creates no interface");
        JsonNode port = sw.port("t0");
        assertEquals("tender", port.path("type").asText(), port.toString());

        Ping.Stats flood = Ping.flood(lan, "10.0.0.2", FLOOD, Duration.ofSeconds(180));
        assertEquals(FLOOD, flood.received(), "flood ping replies: " + flood + "\n" + sw.log());
        // The stand-in exits 0 after exactly FLOOD replies; any failed write would have ended it with status 1 first.
        awaitLog("port t0: tender: standin-tender: limit reached: " + FLOOD + " echo replies");
        assertFalse(sw.log().contains("Fatal error"), sw.log());
        port = sw.port("t0");
        assertTrue(port.path("rxFrames").asLong() >= FLOOD && port.path("txFrames").asLong() >= FLOOD,
                port.toString());
    }

    @ParameterizedTest(name = "{0}-byte frames")
    @ValueSource(ints = {60, 1514})
    void aBurstFromTheTenderNeverMakesItsWriteFail(int frameBytes) throws Exception {
        Netns swNs = ns("sw");
        Peers.join(swNs, "up0", ns("lan"), "10.0.0.3/24");
        sw = SwitchProcess.start(swNs, dir, config("--burst=" + BURST + "," + frameBytes));
        awaitLog("port t0: tender: standin-tender: burst of " + BURST + " frames of " + frameBytes + " bytes written");
        String log = sw.log();
        assertFalse(log.contains("Fatal error"), log);
        // Every frame of the burst reached the switch (the broadcast is then flooded to up0 as far as it can).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode port = sw.port("t0");
        while (port.path("rxFrames").asLong() < BURST && System.nanoTime() < deadline) {
            Thread.sleep(100);
            port = sw.port("t0");
        }
        assertTrue(port.path("rxFrames").asLong() >= BURST, port.toString());
        JsonNode tender = port.path("tender");
        assertEquals(0, tender.path("restarts").asLong(), "the tender never exited: " + tender + "\n" + sw.log());
        assertTrue(tender.path("pid").asLong() > 0, tender.toString());
        System.out.println("TenderFdIT: " + sw.log().lines().filter(l -> l.contains("burst of")).findFirst()
                .orElse(""));
    }

    private void awaitLog(String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!sw.log().contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + line + "\" not logged:\n" + sw.log());
            }
            Thread.sleep(50);
        }
    }
}
