package io.uniswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.port.MemoryPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus server (Debian package {@code prometheus}) scrapes the endpoint, negotiating OpenMetrics as it
 * does by default, and evaluates deploy/prometheus/uniswitch.rules.yml on what it scraped: the recorded frame rate
 * of a port whose counter grows comes out above zero. A missing prometheus binary fails the test.
 */
class PrometheusScrapeIT {
    private static final Path RULES = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
            .resolve("../deploy/prometheus/uniswitch.rules.yml").normalize();
    private static final long DEADLINE_MS = 60_000;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void prometheusScrapesAndRecordsPortRates() throws Exception {
        final String prometheus = executable("prometheus");
        final Path dir = Files.createTempDirectory("uniswitch-prometheus-it");
        final ForwardingEngine engine = new ForwardingEngine(EngineConfig.defaults(), System::nanoTime);
        Process process = null;
        try (SwitchMetrics metrics = new SwitchMetrics("sw0", "it"); MemoryPort port = new MemoryPort("a");
                MetricsServer server = MetricsServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, () -> null)) {
            engine.attach(port);
            metrics.bindEngine(engine);
            metrics.bindPort(port);
            Files.copy(RULES, dir.resolve("uniswitch.rules.yml"));
            Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "  evaluation_interval: 1s",
                    "rule_files: [uniswitch.rules.yml]",
                    "scrape_configs:",
                    "  - job_name: uniswitch",
                    "    static_configs:",
                    "      - targets: ['" + MetricsServer.format(server.address()) + "']",
                    ""));
            final int webPort = freePort();
            process = new ProcessBuilder(prometheus, "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + webPort,
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            final String api = "http://127.0.0.1:" + webPort + "/api/v1/query?query=";

            final long deadline = System.currentTimeMillis() + DEADLINE_MS;
            double rate = Double.NaN;
            while (System.currentTimeMillis() < deadline) {
                // The loop's counter grows by 1000 frames per 100 ms between scrapes: 10000 frames/s.
                port.counters().rxFrames += 1000;
                Thread.sleep(100);
                if (!process.isAlive()) {
                    fail("prometheus exited " + process.exitValue() + ":\n" + Files.readString(
                            dir.resolve("prometheus.log")));
                }
                rate = query(api, "uniswitch:port_rx_frames:rate1m{port=\"a\",type=\"memory\"}");
                if (rate > 0) {
                    break;
                }
            }
            assertTrue(rate > 0, "no recorded rate within " + DEADLINE_MS + " ms; prometheus log:\n"
                    + Files.readString(dir.resolve("prometheus.log")));
            System.out.printf("prometheus recorded uniswitch:port_rx_frames:rate1m = %.0f frames/s%n", rate);
            assertEquals(1.0, query(api, "up{job=\"uniswitch\"}"));
            assertEquals(1.0, query(api, "uniswitch_build_info{switch=\"sw0\",version=\"it\"}"));
            assertEquals(0.0, query(api, "uniswitch_port_drops_total{port=\"a\",reason=\"runt\"}"));
            assertEquals(1.0, query(api, "uniswitch_port_up{port=\"a\"}"));
        } finally {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            deleteTree(dir);
        }
    }

    /** The value of the first series the instant query returns, NaN when none (or Prometheus is not up yet). */
    private double query(String api, String promql) throws InterruptedException {
        final HttpRequest req = HttpRequest.newBuilder(URI.create(api + URLEncoder.encode(promql,
                StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build();
        try {
            final HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Double.NaN;
            }
            final JsonNode result = json.readTree(r.body()).path("data").path("result");
            return result.size() == 0 ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String executable(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            final Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(name + " not found on PATH: install the Debian package 'prometheus' (scripts/setup does)");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
