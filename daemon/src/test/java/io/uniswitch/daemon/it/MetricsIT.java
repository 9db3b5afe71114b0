package io.uniswitch.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packet rates as an operator sees them: a real Prometheus server (Debian's) scrapes the switch every second while a
 * bounded ping flood crosses it; the flood's rate as Prometheus recorded it (the increase of
 * {@code uniswitch_port_rx_frames_total} across the flood, from its HTTP API) matches the rate the sender measured,
 * within 20 %, and {@code rate(...)} mid-flood is live. The exposition passes {@code promtool check metrics}, and
 * /healthz follows the ports' state.
 *
 * <p>Prometheus and the switch share the switch's namespace, so everything stays on that namespace's loopback. The
 * scrape interval is 2 s: with 1 s (and so a 1 s scrape timeout) Prometheus itself, starved of CPU by the flood on
 * this 2-core machine, missed scrapes and marked the series stale, although the endpoint answered in ~25 ms.
 */
@Tag("root")
class MetricsIT {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Pattern FLOOD = Pattern.compile("(\\d+) packets transmitted, (\\d+) received.*time (\\d+)ms");

    @TempDir
    Path dir;

    @Test
    void prometheusSeesTheFloodRate() throws Exception {
        Prerequisites.require("ip", "ping", "ethtool", "prometheus", "promtool", "curl");
        try (Netns swNs = Netns.create(Names.unique("usmsw"));
                Netns a = Netns.create(Names.unique("usma"));
                Netns b = Netns.create(Names.unique("usmb"))) {
            Peers.join(swNs, "pa", a, "10.0.0.1/24");
            Peers.join(swNs, "pb", b, "10.0.0.2/24");
            try (SwitchProcess sw = SwitchProcess.start(swNs, dir, String.join("\n",
                    "switch: sw0",
                    "metrics: {address: \"127.0.0.1:9477\"}",
                    "ports:",
                    "  - {name: pa, type: netdev}",
                    "  - {name: pb, type: netdev}"))) {
                // The exposition as Prometheus' own linter sees it.
                String exposition = curl(swNs, "http://127.0.0.1:9477/metrics");
                assertTrue(exposition.contains("uniswitch_port_rx_frames_total{port=\"pa\",type=\"netdev\"}"),
                        exposition);
                Path expo = Files.writeString(dir.resolve("exposition.txt"), exposition);
                Cmd.Result lint = Cmd.runAllowFail(T, "sh", "-c", "promtool check metrics < " + expo);
                assertEquals(0, lint.exitCode(), "promtool check metrics: " + lint.stdout() + lint.stderr());
                assertEquals("ok", curl(swNs, "http://127.0.0.1:9477/healthz").trim());

                Path promCfg = Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                        "global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}",
                        "scrape_configs:",
                        "  - job_name: uniswitch",
                        "    static_configs: [{targets: ['127.0.0.1:9477']}]", ""));
                Process prom = swNs.spawn(List.of("prometheus", "--config.file=" + promCfg,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:9090"),
                        dir.resolve("prometheus.log"));
                try {
                    waitForReady(swNs);
                    // Warm up (ARP, JIT), then a flood bounded by count and by a 10 s deadline, whichever comes first.
                    flood(a, 2000);
                    String series = "uniswitch_port_rx_frames_total{port=\"pa\"}";
                    long scrapedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (Double.isNaN(query(swNs, series, 0)) && System.nanoTime() < scrapedBy) {
                        Thread.sleep(200);
                    }
                    Thread.sleep(2500);
                    double before = System.currentTimeMillis() / 1000.0;
                    Process flood = a.spawn(List.of("ping", "-f", "-q", "-c", "3000000", "-w", "10", "10.0.0.2"),
                            dir.resolve("flood.log"));
                    Thread.sleep(6000);
                    // The live rate Prometheus computes mid-flood, as a dashboard would show it (reported).
                    double live = query(swNs, "rate(uniswitch_port_rx_frames_total{port=\"pa\"}[6s])", 0);
                    assertTrue(flood.waitFor(40, TimeUnit.SECONDS), "flood finished");
                    Thread.sleep(2500);
                    double after = System.currentTimeMillis() / 1000.0;
                    FloodResult sent = parseFlood(Files.readString(dir.resolve("flood.log")));
                    // The rate over the whole flood from Prometheus' samples: the counter's increase between a
                    // scrape before the flood and one after it, over the flood's duration as the sender timed it.
                    // (rate() over a window inside the flood follows the flood's ups and downs on a loaded machine;
                    // this compares the same interval the sender measured.)
                    double frames = query(swNs, series, after) - query(swNs, series, before);
                    double promRate = frames / sent.seconds;
                    String msg = String.format(Locale.ROOT, "sender %.0f echo requests/s over %.1f s; Prometheus "
                            + "%.0f frames -> %.0f/s (live rate mid-flood %.0f/s)", sent.rate, sent.seconds, frames,
                            promRate, live);
                    System.out.println("MetricsIT: " + msg);
                    assertTrue(sent.rate > 1000, msg);
                    assertTrue(Math.abs(promRate - sent.rate) <= 0.2 * sent.rate, msg);
                    assertTrue(live > 0, msg);
                } finally {
                    prom.destroy();
                    prom.waitFor(10, TimeUnit.SECONDS);
                }

                // /healthz follows the ports: a port set down makes it 503 with the reason.
                assertEquals(0, SwitchProcess.cli("port", "set", "pb", "--down", "--socket", sw.socket().toString())
                        .exitCode());
                Cmd.Result health = swNs.execAllowFail(T, "curl", "-s", "-w", "%{http_code}",
                        "http://127.0.0.1:9477/healthz");
                assertTrue(health.stdout().contains("pb") && health.stdout().endsWith("503"), health.stdout());
                assertEquals(0, sw.stop(), sw.log());
            }
        }
    }

    private record FloodResult(long transmitted, long received, double rate, double seconds) {
    }

    private static FloodResult parseFlood(String out) {
        Matcher m = FLOOD.matcher(out);
        if (!m.find()) {
            throw new AssertionError("no ping summary in: " + out);
        }
        long tx = Long.parseLong(m.group(1));
        long ms = Math.max(1, Long.parseLong(m.group(3)));
        return new FloodResult(tx, Long.parseLong(m.group(2)), tx * 1000.0 / ms, ms / 1000.0);
    }

    private static FloodResult flood(Netns from, int count) {
        Cmd.Result r = from.exec(T, "ping", "-f", "-q", "-c", Integer.toString(count), "-w", "20", "10.0.0.2");
        return parseFlood(r.stdout());
    }

    private static String curl(Netns ns, String url) {
        return ns.exec(T, "curl", "-sf", url).stdout();
    }

    private static void waitForReady(Netns ns) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Cmd.Result r = ns.execAllowFail(T, "curl", "-sf", "http://127.0.0.1:9090/-/ready");
            if (r.exitCode() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus not ready within 30 s");
    }

    /** An instant query at {@code time} (Unix seconds), or now when 0. */
    private static double query(Netns ns, String promql, double time) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sf", "--data-urlencode", "query=" + promql));
        if (time > 0) {
            cmd.add("--data-urlencode");
            cmd.add(String.format(Locale.ROOT, "time=%.3f", time));
        }
        cmd.add("http://127.0.0.1:9090/api/v1/query");
        String body = ns.exec(T, cmd.toArray(new String[0])).stdout();
        JsonNode result = new ObjectMapper().readTree(body).path("data").path("result");
        if (result.size() != 1) {
            System.out.println("MetricsIT: " + promql + " -> " + body);
            return Double.NaN;
        }
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }
}
