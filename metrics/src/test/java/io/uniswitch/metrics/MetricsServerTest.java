package io.uniswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.bridge.port.MemoryPort;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoint over real HTTP on loopback: content negotiation, health, errors, bind failures, address parsing. */
class MetricsServerTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(),
            0);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<String> health = new AtomicReference<>();
    private final MemoryPort port = new MemoryPort("tap0");
    private SwitchMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void setUp() {
        metrics = new SwitchMetrics("sw0", "0.1.0-test");
        port.counters().rxFrames = 42;
        metrics.bindPort(port);
        server = MetricsServer.start(ANY_LOOPBACK_PORT, metrics, health::get);
    }

    @AfterEach
    void tearDown() {
        server.close();
        metrics.close();
        port.close();
    }

    private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://" + MetricsServer.format(server.address()) + path);
    }

    @Test
    void metricsDefaultsToPrometheusText() throws Exception {
        HttpResponse<String> r = get("/metrics", null);
        assertEquals(200, r.statusCode());
        assertEquals(SwitchMetrics.TEXT_CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(null));
        assertTrue(r.body().contains("# TYPE uniswitch_port_rx_frames_total counter\n"), r.body());
        assertTrue(r.body().contains("uniswitch_port_rx_frames_total{port=\"tap0\",type=\"memory\"} 42.0\n"),
                r.body());
        assertTrue(get("/metrics?x=1", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1").body()
                .contains("# TYPE uniswitch_port_rx_frames_total counter\n"));
    }

    @Test
    void metricsAnswersOpenMetricsWhenAcceptAsksForIt() throws Exception {
        // The Accept header Prometheus 2.x sends.
        HttpResponse<String> r = get("/metrics", "application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertEquals(200, r.statusCode());
        assertEquals(SwitchMetrics.OPENMETRICS_CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(null));
        assertTrue(r.body().contains("# TYPE uniswitch_port_rx_frames counter\n"), r.body());
        assertTrue(r.body().endsWith("# EOF\n"), r.body());
    }

    @Test
    void metricsNeverAnswersProtobuf() throws Exception {
        HttpResponse<String> r = get("/metrics",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        assertEquals(SwitchMetrics.TEXT_CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void healthzIsOkWhileTheCheckReturnsNull() throws Exception {
        HttpResponse<String> r = get("/healthz", null);
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", r.body());
    }

    @Test
    void healthzIs503WithTheReason() throws Exception {
        health.set("port tap0 is down");
        HttpResponse<String> r = get("/healthz", null);
        assertEquals(503, r.statusCode());
        assertEquals("port tap0 is down\n", r.body());
        health.set(null);
        assertEquals(200, get("/healthz", null).statusCode());
    }

    @Test
    void healthzIs503WhenTheCheckThrows() throws Exception {
        Supplier<String> broken = () -> {
            throw new IllegalStateException("data plane did not answer");
        };
        try (MetricsServer s = MetricsServer.start(ANY_LOOPBACK_PORT, metrics, broken)) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + MetricsServer.format(s.address())
                    + "/healthz")).timeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            assertEquals("health check failed: java.lang.IllegalStateException: data plane did not answer\n",
                    r.body());
        }
    }

    @Test
    void otherPathsAre404() throws Exception {
        assertEquals(404, get("/", null).statusCode());
        assertEquals(404, get("/metricsx", null).statusCode());
        assertEquals(404, get("/metrics/", null).statusCode());
        assertEquals(404, get("/healthz/deep", null).statusCode());
    }

    @Test
    void otherMethodsAre405() throws Exception {
        for (String path : new String[] {"/metrics", "/healthz"}) {
            HttpRequest post = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            HttpResponse<String> r = client.send(post, HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode(), path);
            assertEquals("GET", r.headers().firstValue("Allow").orElse(null));
            HttpRequest delete = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).DELETE().build();
            assertEquals(405, client.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode(), path);
        }
    }

    @Test
    void addressInUseNamesTheAddressAndTheFix() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int p = taken.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetricsServer.start(
                    MetricsServer.parseAddress("127.0.0.1:" + p), metrics, () -> null));
            assertEquals("metrics address 127.0.0.1:" + p + " is in use by another process; set metrics.address in "
                    + "the config or stop the other process", e.getMessage());
        }
        // The server already running holds its port too.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MetricsServer.start(server.address(), metrics, () -> null));
        assertTrue(e.getMessage().startsWith("metrics address " + MetricsServer.format(server.address())
                + " is in use"), e.getMessage());
    }

    @Test
    void addressNotOfThisHostNamesTheFix() {
        // 192.0.2.0/24 is TEST-NET-1: never configured on a host.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetricsServer.start(
                MetricsServer.parseAddress("192.0.2.1:9477"), metrics, () -> null));
        assertEquals("metrics address 192.0.2.1:9477 is not an address of this host; set metrics.address in the "
                + "config to a local address, e.g. 127.0.0.1:9477", e.getMessage());
    }

    @Test
    void closeStopsListeningAndIsIdempotent() throws Exception {
        URI u = uri("/healthz");
        server.close();
        server.close();
        HttpRequest req = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).build();
        assertThrows(ConnectException.class, () -> client.send(req, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void parseAddressAcceptsTheDocumentedForms() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9477),
                MetricsServer.parseAddress("127.0.0.1:9477"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9477),
                MetricsServer.parseAddress(":9477"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 9477),
                MetricsServer.parseAddress("[::1]:9477"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 80),
                MetricsServer.parseAddress(" 0.0.0.0:80 "));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::"), 0), MetricsServer.parseAddress("[::]:0"));
        assertEquals(9477, MetricsServer.parseAddress("localhost:9477").getPort());
        assertEquals("[0:0:0:0:0:0:0:1]:9477", MetricsServer.format(MetricsServer.parseAddress("[::1]:9477")));
        assertEquals("127.0.0.1:9477", MetricsServer.format(MetricsServer.parseAddress(MetricsServer.DEFAULT_ADDRESS)));
    }

    @Test
    void parseAddressRejectsBadValuesNamingThem() {
        assertBad("", "'': it is empty");
        assertBad("9477", "'9477': the port is missing");
        assertBad("127.0.0.1:", "'127.0.0.1:': the port is missing");
        assertBad(":", "':': the port is missing");
        assertBad("127.0.0.1:http", "'127.0.0.1:http': port 'http' is not a number");
        assertBad("127.0.0.1:-1", "'127.0.0.1:-1': port '-1' is not a number");
        assertBad("127.0.0.1:65536", "'127.0.0.1:65536': port 65536 is above 65535");
        assertBad("127.0.0.1:99999999999", "'127.0.0.1:99999999999': port 99999999999 is above 65535");
        assertBad("::1:9477", "'::1:9477': write an IPv6 address in brackets, e.g. [::1]:9477");
        assertBad("[::1]9477", "'[::1]9477': an IPv6 address must be followed by ]:port");
        assertBad("[::1", "'[::1': an IPv6 address must be followed by ]:port");
        assertBad("[::1]:", "'[::1]:': the port is missing");
        assertBad("[localhost]:9477", "'[localhost]:9477': brackets are for IPv6 addresses only");
        assertBad("[::zz]:9477", "'[::zz]:9477': host '::zz' does not resolve");
    }

    private static void assertBad(String value, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricsServer.parseAddress(value));
        assertEquals("metrics address " + expected + "; expected host:port, [ipv6]:port or :port, e.g. "
                + "127.0.0.1:9477", e.getMessage());
    }
}
