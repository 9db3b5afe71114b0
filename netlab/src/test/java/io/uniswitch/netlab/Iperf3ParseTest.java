package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Iperf3ParseTest {
    private static final double EPS = 1e-6;

    @Test
    void tcpReportGivesReceiverRateAndSenderRetransmits() {
        String json = Fixtures.read("iperf_tcp.json");
        Iperf3.Result result = Iperf3.parse(json);
        assertEquals(32941744483.809307, result.bitsPerSecond(), EPS);
        assertEquals(1089, result.retransmits());
        assertEquals(1.000328, result.seconds(), EPS);
        assertEquals(json, result.rawJson());
    }

    @Test
    void reverseParallelReport() {
        Iperf3.Result result = Iperf3.parse(Fixtures.read("iperf_tcp_p2_r.json"));
        assertEquals(26315164526.077065, result.bitsPerSecond(), EPS);
        assertEquals(0, result.retransmits());
        assertEquals(1.000036, result.seconds(), EPS);
    }

    @Test
    void errorReportThrowsWithIperf3sMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Iperf3.parse(Fixtures.read("iperf_err.json")));
        assertTrue(e.getMessage().contains("unable to connect to server: Connection refused"), e.getMessage());
    }

    @Test
    void udpReport() {
        Iperf3.UdpResult result = Iperf3.parseUdp(Fixtures.read("iperf_udp.json"));
        assertEquals(49955747.3545701, result.bitsPerSecond(), EPS);
        assertEquals(4313, result.packets());
        assertEquals(0, result.lostPackets());
        assertEquals(0.0, result.lostPercent(), EPS);
        assertEquals(0.010824967203379348, result.jitterMs(), 1e-12);
    }

    @Test
    void nonJsonIsRejected() {
        assertThrows(IllegalStateException.class, () -> Iperf3.parse("iperf3: error - unable to connect"));
    }

    @Test
    void jsonReaderHandlesEscapesNestingAndCNonFinites() {
        Object root = Json.parse("{\"a\": [1, -2.5e3, true, null, \"x\\\"\\n\\u0041\"], \"b\": {\"c\": nan}}");
        Map<?, ?> map = (Map<?, ?>) root;
        List<?> list = (List<?>) map.get("a");
        assertEquals(1.0, list.get(0));
        assertEquals(-2500.0, list.get(1));
        assertEquals(Boolean.TRUE, list.get(2));
        assertNull(list.get(3));
        assertEquals("x\"\nA", list.get(4));
        assertTrue(Double.isNaN((Double) Json.path(root, "b", "c")));
        assertNull(Json.path(root, "b", "missing"));
    }

    @Test
    void jsonReaderRejectsMalformedInput() {
        List<String> bad = List.of("", "{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"abc", "[01x]", "{1:2}",
                "\"\\u12\"");
        for (String input : bad) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(input), input);
        }
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)));
    }
}
