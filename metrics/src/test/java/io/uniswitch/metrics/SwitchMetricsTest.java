package io.uniswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.FrameBatch;
import io.uniswitch.bridge.port.MemoryPort;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scrape shows what the data plane counted, under the documented names and labels, after real frames went
 * through a {@link ForwardingEngine} and {@link MemoryPort}s; unbinding removes series.
 */
class SwitchMetricsTest {
    private static final long MAC_A = 0x02_00_00_00_00_0AL;
    private static final long MAC_B = 0x02_00_00_00_00_0BL;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private static final long LINK_LOCAL = 0x01_80_C2_00_00_0EL;
    private static final String TEXT = SwitchMetrics.TEXT_CONTENT_TYPE;

    private final TestFrames frames = new TestFrames();
    private final List<MemoryPort> ports = new ArrayList<>();
    private final FrameBatch batch = new FrameBatch();
    private ForwardingEngine engine;
    private SwitchMetrics metrics;

    @BeforeEach
    void setUp() {
        engine = new ForwardingEngine(EngineConfig.defaults(), () -> 5_000_000_000L);
        metrics = new SwitchMetrics("sw0", "0.1.0-test");
        metrics.bindEngine(engine);
    }

    @AfterEach
    void tearDown() {
        metrics.close();
        for (MemoryPort p : ports) {
            p.close();
        }
        frames.assertAllReleased();
    }

    private MemoryPort attach(String name) {
        MemoryPort p = new MemoryPort(name);
        ports.add(p);
        engine.attach(p);
        metrics.bindPort(p);
        return p;
    }

    /**
     * a: broadcast from A (60 bytes) floods to b; b: unicast B to A (114 bytes) goes to a; a: a runt (10 bytes) and
     * a link-local frame (60 bytes) are dropped.
     */
    private void drive(MemoryPort a, MemoryPort b) {
        a.inject(frames.ethernet(BROADCAST, MAC_A, 46));
        engine.pollOnce(a, batch);
        b.inject(frames.ethernet(MAC_A, MAC_B, 100));
        engine.pollOnce(b, batch);
        a.inject(frames.runt(10));
        a.inject(frames.ethernet(LINK_LOCAL, MAC_A, 46));
        engine.pollOnce(a, batch);
    }

    @Test
    void scrapeShowsExactCountersUnderPrometheusNames() {
        MemoryPort a = attach("a");
        MemoryPort b = attach("b");
        drive(a, b);
        a.counters().errors = 2;

        String s = metrics.scrape(TEXT);
        assertSample(s, "uniswitch_port_rx_frames_total{port=\"a\",type=\"memory\"} 3.0");
        assertSample(s, "uniswitch_port_rx_bytes_total{port=\"a\",type=\"memory\"} 130.0");
        assertSample(s, "uniswitch_port_tx_frames_total{port=\"a\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_tx_bytes_total{port=\"a\",type=\"memory\"} 114.0");
        assertSample(s, "uniswitch_port_drops_total{port=\"a\",reason=\"runt\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_drops_total{port=\"a\",reason=\"link_local\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_drops_total{port=\"a\",reason=\"tx_queue_full\",type=\"memory\"} 0.0");
        assertSample(s, "uniswitch_port_errors_total{port=\"a\",type=\"memory\"} 2.0");
        assertSample(s, "uniswitch_port_up{port=\"a\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_mtu_bytes{port=\"a\",type=\"memory\"} 1500.0");

        assertSample(s, "uniswitch_port_rx_frames_total{port=\"b\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_rx_bytes_total{port=\"b\",type=\"memory\"} 114.0");
        assertSample(s, "uniswitch_port_tx_frames_total{port=\"b\",type=\"memory\"} 1.0");
        assertSample(s, "uniswitch_port_tx_bytes_total{port=\"b\",type=\"memory\"} 60.0");
        assertSample(s, "uniswitch_port_drops_total{port=\"b\",reason=\"runt\",type=\"memory\"} 0.0");

        assertSample(s, "uniswitch_fdb_entries 2.0");
        assertSample(s, "uniswitch_fdb_max_entries " + (double) EngineConfig.DEFAULT_FDB_MAX_ENTRIES);
        assertSample(s, "uniswitch_fdb_learned_total 2.0");
        assertSample(s, "uniswitch_fdb_moved_total 0.0");
        assertSample(s, "uniswitch_fdb_aged_total 0.0");
        assertSample(s, "uniswitch_fdb_refused_total 0.0");
        assertSample(s, "uniswitch_fdb_static_move_refused_total 0.0");
        assertSample(s, "uniswitch_flooded_frames_total 1.0");
        assertSample(s, "uniswitch_unicast_frames_total 1.0");
        assertSample(s, "uniswitch_drops_total{reason=\"runt\"} 1.0");
        assertSample(s, "uniswitch_drops_total{reason=\"link_local\"} 1.0");
        assertSample(s, "uniswitch_ports 2.0");
        assertSample(s, "uniswitch_build_info{java=\"" + Runtime.version() + "\",switch=\"sw0\","
                + "version=\"0.1.0-test\"} 1");
        assertTrue(s.contains("# TYPE uniswitch_port_rx_frames_total counter\n"), s);
        assertTrue(s.contains("# TYPE uniswitch_port_up gauge\n"), s);
        assertFalse(s.contains("uniswitch_loop_busy_ratio"), "not bound yet:\n" + s);
        assertFalse(s.contains("uniswitch_tender_restarts_total"), "not bound yet:\n" + s);

        // Values are read at scrape time: a change shows in the next scrape without any call to the metrics.
        a.setUp(false);
        a.inject(frames.ethernet(MAC_B, MAC_A, 46));
        engine.pollOnce(a, batch);
        String later = metrics.scrape(TEXT);
        assertSample(later, "uniswitch_port_up{port=\"a\",type=\"memory\"} 0.0");
        assertSample(later, "uniswitch_port_drops_total{port=\"a\",reason=\"port_down\",type=\"memory\"} 1.0");
        assertSample(later, "uniswitch_port_rx_frames_total{port=\"a\",type=\"memory\"} 4.0");
    }

    @Test
    void everyPortSeriesHasOneDropSeriesPerReason() {
        attach("a");
        List<String> names = samples(metrics.scrape(TEXT), "port=\"a\"").stream()
                .map(line -> line.substring(0, line.indexOf('{'))).collect(Collectors.toList());
        List<String> drops = samples(metrics.scrape(TEXT), "uniswitch_port_drops_total{port=\"a\"");
        assertEquals(DropReason.COUNT, drops.size(), String.join("\n", drops));
        for (DropReason r : DropReason.values()) {
            assertTrue(drops.stream().anyMatch(l -> l.contains("reason=\"" + r.label() + "\"")), r.label());
        }
        assertEquals(new TreeSet<>(Arrays.asList("uniswitch_port_rx_frames_total", "uniswitch_port_rx_bytes_total",
                "uniswitch_port_tx_frames_total", "uniswitch_port_tx_bytes_total", "uniswitch_port_drops_total",
                "uniswitch_port_errors_total", "uniswitch_port_up", "uniswitch_port_mtu_bytes")),
                new TreeSet<>(names));
        assertEquals(8 - 1 + DropReason.COUNT, names.size());
    }

    @Test
    void unbindPortRemovesAllItsSeriesAndKeepsTheOthers() {
        MemoryPort a = attach("a");
        MemoryPort b = attach("b");
        drive(a, b);
        int metersBefore = metrics.registry().getMeters().size();

        assertTrue(metrics.unbindPort("b"));
        engine.detach(b.index());

        String s = metrics.scrape(TEXT);
        assertEquals(List.of(), samples(s, "port=\"b\""));
        assertEquals(metersBefore - (7 + DropReason.COUNT), metrics.registry().getMeters().size());
        assertSample(s, "uniswitch_port_rx_frames_total{port=\"a\",type=\"memory\"} 3.0");
        assertSample(s, "uniswitch_ports 1.0");
        assertFalse(metrics.unbindPort("b"), "second unbind");
        assertEquals(List.of("a"), metrics.boundPorts());

        // The name can be bound again, to a new port whose counters start at 0.
        MemoryPort b2 = attach("b");
        b2.counters().rxFrames = 7;
        assertSample(metrics.scrape(TEXT), "uniswitch_port_rx_frames_total{port=\"b\",type=\"memory\"} 7.0");
    }

    @Test
    void bindingAPortNameAgainReplacesTheEarlierPort() {
        MemoryPort first = new MemoryPort("a");
        MemoryPort second = new MemoryPort("a");
        ports.add(first);
        ports.add(second);
        first.counters().txFrames = 1;
        second.counters().txFrames = 2;
        metrics.bindPort(first);
        metrics.bindPort(second);
        List<String> tx = samples(metrics.scrape(TEXT), "uniswitch_port_tx_frames_total{");
        assertEquals(List.of("uniswitch_port_tx_frames_total{port=\"a\",type=\"memory\"} 2.0"), tx);
    }

    @Test
    void loopBusyRatioAppearsWhenBoundAndFollowsItsSupplier() {
        double[] ratio = {0.25};
        metrics.bindLoopBusyRatio(() -> ratio[0]);
        assertSample(metrics.scrape(TEXT), "uniswitch_loop_busy_ratio 0.25");
        ratio[0] = 0.5;
        assertSample(metrics.scrape(TEXT), "uniswitch_loop_busy_ratio 0.5");
        metrics.bindLoopBusyRatio(() -> 0.75);
        assertEquals(List.of("uniswitch_loop_busy_ratio 0.75"),
                samples(metrics.scrape(TEXT), "uniswitch_loop_busy_ratio"));
    }

    @Test
    void tenderRestartsSurviveUnbindPortAndGoWithTheirOwnUnbind() {
        attach("t0");
        metrics.bindTenderRestarts("t0", () -> 3);
        assertSample(metrics.scrape(TEXT), "uniswitch_tender_restarts_total{port=\"t0\"} 3.0");
        metrics.unbindPort("t0");
        assertEquals(List.of("uniswitch_tender_restarts_total{port=\"t0\"} 3.0"),
                samples(metrics.scrape(TEXT), "port=\"t0\""));
        assertTrue(metrics.unbindTenderRestarts("t0"));
        assertFalse(metrics.unbindTenderRestarts("t0"));
        assertEquals(List.of(), samples(metrics.scrape(TEXT), "port=\"t0\""));
    }

    @Test
    void suppliersNobodyElseHoldsAreNotLostToGarbageCollection() throws InterruptedException {
        // Micrometer's function meters hold their object weakly; SwitchMetrics must hold it for them.
        metrics.bindTenderRestarts("t0", new Restarts(5));
        metrics.bindLoopBusyRatio(new Ratio(0.125));
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(10);
        }
        String s = metrics.scrape(TEXT);
        assertSample(s, "uniswitch_tender_restarts_total{port=\"t0\"} 5.0");
        assertSample(s, "uniswitch_loop_busy_ratio 0.125");
    }

    @Test
    void openMetricsIsChosenByTheAcceptHeader() {
        attach("a");
        assertEquals(SwitchMetrics.OPENMETRICS_CONTENT_TYPE, SwitchMetrics.contentTypeFor(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertEquals(TEXT, SwitchMetrics.contentTypeFor(null));
        assertEquals(TEXT, SwitchMetrics.contentTypeFor("*/*"));
        assertEquals(TEXT, SwitchMetrics.contentTypeFor(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"));

        String om = metrics.scrape("application/openmetrics-text; version=1.0.0");
        assertTrue(om.endsWith("# EOF\n"), om);
        assertTrue(om.contains("# TYPE uniswitch_port_rx_frames counter\n"), om);
        assertSample(om, "uniswitch_port_rx_frames_total{port=\"a\",type=\"memory\"} 0.0");
        assertTrue(om.contains("# TYPE uniswitch_build info\n"), om);
        String text = metrics.scrape("application/vnd.google.protobuf; encoding=delimited");
        assertTrue(text.contains("# TYPE uniswitch_port_rx_frames_total counter\n"), text);
    }

    @Test
    void promtoolFindsNoProblemInTheScrape() throws Exception {
        MemoryPort a = attach("a");
        MemoryPort b = attach("b");
        drive(a, b);
        metrics.bindLoopBusyRatio(() -> 0.5);
        metrics.bindTenderRestarts("a", () -> 1);
        String s = metrics.scrape(TEXT);
        Promtool.Result r = Promtool.run(s, "check", "metrics");
        assertEquals(0, r.exitCode(), "promtool check metrics:\n" + r.output() + "\non:\n" + s);
        assertEquals("", r.output().strip(), "promtool check metrics");
    }

    @Test
    void scrapeOf32PortsIsCheap() {
        for (int i = 0; i < 32; i++) {
            MemoryPort p = attach("port" + i);
            p.counters().rxFrames = i;
        }
        metrics.bindLoopBusyRatio(() -> 0.5);
        for (int i = 0; i < 200; i++) {
            metrics.scrape(TEXT);
        }
        final int runs = 20;
        long[] ns = new long[runs];
        int bytes = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            bytes = metrics.scrape(TEXT).length();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        // Printed, not asserted: timing depends on the machine. Expect well under 10 ms.
        System.out.printf("scrape of 32 ports, %d meters, %d bytes: median %.2f ms, max %.2f ms%n",
                metrics.registry().getMeters().size(), bytes, ns[runs / 2] / 1e6, ns[runs - 1] / 1e6);
    }

    private static void assertSample(String scrape, String line) {
        assertTrue(scrape.lines().anyMatch(line::equals), "expected line\n  " + line + "\nin scrape:\n" + scrape);
    }

    /** Sample lines (not comments) containing part. */
    private static List<String> samples(String scrape, String part) {
        return scrape.lines().filter(l -> !l.startsWith("#") && l.contains(part)).collect(Collectors.toList());
    }

    private static final class Restarts implements LongSupplier {
        private final long n;

        Restarts(long n) {
            this.n = n;
        }

        @Override
        public long getAsLong() {
            return n;
        }
    }

    private static final class Ratio implements DoubleSupplier {
        private final double r;

        Ratio(double r) {
            this.r = r;
        }

        @Override
        public double getAsDouble() {
            return r;
        }
    }
}
