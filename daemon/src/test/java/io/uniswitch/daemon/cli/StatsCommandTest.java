package io.uniswitch.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class StatsCommandTest {
    private static JsonNode show(long ns, long rxFrames, long rxBytes, long txFrames, long txBytes) throws Exception {
        return new ObjectMapper().readTree("{\"monotonicNs\":" + ns + ",\"ports\":[{\"name\":\"tap100\",\"rxFrames\":"
                + rxFrames + ",\"rxBytes\":" + rxBytes + ",\"txFrames\":" + txFrames + ",\"txBytes\":" + txBytes
                + ",\"dropsTotal\":0}]}");
    }

    @Test
    void ratesAreCounterDeltasOverElapsedTime() throws Exception {
        JsonNode a = show(1_000_000_000L, 100, 10_000, 50, 5_000);
        JsonNode b = show(3_000_000_000L, 2_100, 3_010_000, 1_050, 505_000);
        JsonNode r = StatsCommand.rates(a, b);
        assertEquals(2.0, r.path("seconds").asDouble(), 1e-9);
        JsonNode p = r.path("ports").get(0);
        assertEquals(1000.0, p.path("rxFramesPerSecond").asDouble(), 1e-9);
        assertEquals(500.0, p.path("txFramesPerSecond").asDouble(), 1e-9);
        assertEquals(8 * 1_500_000.0, p.path("rxBitsPerSecond").asDouble(), 1e-6);
        assertEquals(8 * 250_000.0, p.path("txBitsPerSecond").asDouble(), 1e-6);
    }

    @Test
    void aPortNewInTheSecondSampleCountsFromZero() throws Exception {
        JsonNode a = new ObjectMapper().readTree("{\"monotonicNs\":0,\"ports\":[]}");
        JsonNode b = show(1_000_000_000L, 10, 1000, 0, 0);
        assertEquals(10.0, StatsCommand.rates(a, b).path("ports").get(0).path("rxFramesPerSecond").asDouble(), 1e-9);
    }

    @Test
    void siUnits() {
        assertEquals("999", StatsCommand.si(999));
        assertEquals("1.23M", StatsCommand.si(1_234_567));
        assertEquals("4.50G", StatsCommand.si(4.5e9));
    }
}
