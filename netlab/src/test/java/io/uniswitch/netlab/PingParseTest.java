package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PingParseTest {
    private static final double EPS = 1e-9;

    @Test
    void allRepliesGiveSummaryAndPerReplyPercentiles() {
        Ping.Stats stats = Ping.parse(Fixtures.read("ping_ok.txt"));
        assertEquals(5, stats.sent());
        assertEquals(5, stats.received());
        assertEquals(0.0, stats.lossPercent(), EPS);
        assertEquals(0.046, stats.minMs(), EPS);
        assertEquals(0.051, stats.avgMs(), EPS);
        assertEquals(0.062, stats.maxMs(), EPS);
        assertEquals(0.005, stats.mdevMs(), EPS);
        assertEquals(814.0, stats.elapsedMs(), EPS);
        // Replies: 0.062 0.048 0.049 0.051 0.046 -> sorted middle is 0.049, nearest-rank p99 the maximum.
        assertEquals(0.049, stats.medianMs(), EPS);
        assertEquals(0.062, stats.p99Ms(), EPS);
    }

    @Test
    void partialLossKeepsFractionalPercentAndCountsOnlyReplies() {
        Ping.Stats stats = Ping.parse(Fixtures.read("ping_partial.txt"));
        assertEquals(12, stats.sent());
        assertEquals(7, stats.received());
        assertEquals(41.6667, stats.lossPercent(), EPS);
        assertEquals(0.052, stats.minMs(), EPS);
        assertEquals(0.080, stats.maxMs(), EPS);
        // Replies sorted: 0.052 0.055 0.058 0.061 0.062 0.066 0.080.
        assertEquals(0.061, stats.medianMs(), EPS);
        assertEquals(0.080, stats.p99Ms(), EPS);
    }

    @Test
    void totalLossHasNoTimes() {
        Ping.Stats stats = Ping.parse(Fixtures.read("ping_loss.txt"));
        assertEquals(10, stats.sent());
        assertEquals(0, stats.received());
        assertEquals(100.0, stats.lossPercent(), EPS);
        assertTrue(Double.isNaN(stats.minMs()));
        assertTrue(Double.isNaN(stats.avgMs()));
        assertTrue(Double.isNaN(stats.medianMs()));
        assertTrue(Double.isNaN(stats.p99Ms()));
    }

    @Test
    void floodHasSummaryButNoPerReplyTimes() {
        Ping.Stats stats = Ping.parse(Fixtures.read("ping_flood.txt"));
        assertEquals(200, stats.sent());
        assertEquals(200, stats.received());
        assertEquals(0.001, stats.minMs(), EPS);
        assertEquals(0.002, stats.avgMs(), EPS);
        assertEquals(0.037, stats.maxMs(), EPS);
        assertEquals(0.002, stats.mdevMs(), EPS);
        assertEquals(1.0, stats.elapsedMs(), EPS);
        assertTrue(Double.isNaN(stats.medianMs()));
    }

    @Test
    void evenCountMedianAveragesTheMiddlePair() {
        assertEquals(2.5, Ping.median(new double[] {1, 2, 3, 4}), EPS);
        assertEquals(3.0, Ping.median(new double[] {3}), EPS);
        assertTrue(Double.isNaN(Ping.median(new double[0])));
    }

    @Test
    void p99IsNearestRank() {
        double[] values = new double[200];
        for (int i = 0; i < values.length; i++) {
            values[i] = i + 1;
        }
        assertEquals(198.0, Ping.percentile(values, 99), EPS);
        assertEquals(100.0, Ping.percentile(values, 50), EPS);
    }

    @Test
    void outputWithoutStatisticsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Ping.parse("ping: 10.0.0.999: Name or service not known"));
    }
}
