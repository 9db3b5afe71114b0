package io.uniswitch.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP endpoint Prometheus scrapes: {@code GET /metrics} and {@code GET /healthz}, on the JDK's built-in server.
 *
 * <p>{@code /metrics} answers in the Prometheus text format 0.0.4, or in OpenMetrics 1.0.0 when the Accept header
 * names {@code application/openmetrics-text} (as a Prometheus server's does). {@code /healthz} answers 200
 * {@code ok} when the health check returns null, else 503 with the reason it returns. Other paths get 404, other
 * methods 405.
 *
 * <p>Thread: one daemon thread serves requests one at a time. A scrape of a 32-port switch takes about a
 * millisecond and Prometheus scrapes every few seconds, so a pool would only add threads. The server never touches
 * the data plane: the meters read the loop's counters (see {@link SwitchMetrics}) and the health check is the
 * caller's, so it must not block on the loop either. The JDK server's dispatcher thread is not a daemon: call
 * {@link #close()} on shutdown.
 */
public final class MetricsServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 9477;
    /** Loopback only by default: the endpoint has no authentication. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:" + DEFAULT_PORT;
    public static final String METRICS_PATH = "/metrics";
    public static final String HEALTH_PATH = "/healthz";

    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";
    private static final String FIX = "set metrics.address in the config";
    private static final System.Logger LOG = System.getLogger(MetricsServer.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;
    private final SwitchMetrics metrics;
    private final Supplier<String> health;
    private boolean closed;

    private MetricsServer(HttpServer server, ExecutorService executor, SwitchMetrics metrics,
            Supplier<String> health) {
        this.server = server;
        this.executor = executor;
        this.address = server.getAddress();
        this.metrics = metrics;
        this.health = health;
    }

    /**
     * Binds the address and starts serving.
     *
     * @param address where to listen; port 0 picks a free port (see {@link #address()})
     * @param health returns null while healthy, else the reason for a 503 (e.g. "port tap0 is down")
     * @throws IllegalStateException when the address cannot be bound; the message names the address and the fix
     */
    public static MetricsServer start(InetSocketAddress address, SwitchMetrics metrics, Supplier<String> health) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(health, "health");
        final HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            throw bindFailure(address, e);
        }
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "uniswitch-metrics-http");
            t.setDaemon(true);
            return t;
        });
        final MetricsServer s = new MetricsServer(server, executor, metrics, health);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        server.start();
        return s;
    }

    /** The bound address, with the actual port when 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops listening at once, dropping a request in progress, and ends the thread. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Parses a listen address: {@code host:port}, {@code [v6]:port}, or {@code :port} for 127.0.0.1. Host names are
     * resolved now. Port 0 means any free port.
     *
     * @throws IllegalArgumentException naming the bad value and the forms accepted
     */
    public static InetSocketAddress parseAddress(String value) {
        if (value == null || value.isBlank()) {
            throw badAddress(value, "it is empty");
        }
        final String s = value.strip();
        final String host;
        final String port;
        if (s.startsWith("[")) {
            final int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw badAddress(value, "an IPv6 address must be followed by ]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            if (host.indexOf(':') < 0) {
                throw badAddress(value, "brackets are for IPv6 addresses only");
            }
        } else {
            final int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw badAddress(value, "the port is missing");
            }
            host = colon == 0 ? "127.0.0.1" : s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw badAddress(value, "write an IPv6 address in brackets, e.g. [::1]:" + DEFAULT_PORT);
            }
        }
        final int portNumber = parsePort(value, port);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), portNumber);
        } catch (UnknownHostException e) {
            throw badAddress(value, "host '" + host + "' does not resolve");
        }
    }

    /** The address as a user writes it: {@code 127.0.0.1:9477}, {@code [::1]:9477}. */
    public static String format(InetSocketAddress address) {
        final InetAddress ip = address.getAddress();
        final String host = ip == null ? address.getHostString() : ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static int parsePort(String value, String port) {
        if (port.isEmpty()) {
            throw badAddress(value, "the port is missing");
        }
        for (int i = 0; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                throw badAddress(value, "port '" + port + "' is not a number");
            }
        }
        if (port.length() > 5 || Integer.parseInt(port) > 65535) {
            throw badAddress(value, "port " + port + " is above 65535");
        }
        return Integer.parseInt(port);
    }

    private static IllegalArgumentException badAddress(String value, String why) {
        return new IllegalArgumentException("metrics address '" + value + "': " + why + "; expected host:port, "
                + "[ipv6]:port or :port, e.g. " + DEFAULT_ADDRESS);
    }

    private static IllegalStateException bindFailure(InetSocketAddress address, Exception e) {
        final String a = format(address);
        final String m = String.valueOf(e.getMessage());
        final String text;
        if (e instanceof UnresolvedAddressException) {
            text = "metrics address " + a + " does not resolve; " + FIX + " to an IP address";
        } else if (e instanceof BindException && m.contains("in use")) {
            text = "metrics address " + a + " is in use by another process; " + FIX + " or stop the other process";
        } else if (e instanceof BindException && m.contains("assign requested address")) {
            text = "metrics address " + a + " is not an address of this host; " + FIX + " to a local address, e.g. "
                    + DEFAULT_ADDRESS;
        } else if (e instanceof BindException && m.contains("ermission denied")) {
            text = "metrics address " + a + ": permission denied (ports below 1024 need CAP_NET_BIND_SERVICE); "
                    + FIX + " to a port above 1023";
        } else {
            text = "metrics address " + a + ": cannot listen (" + e + "); " + FIX;
        }
        return new IllegalStateException(text, e);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            final String path = exchange.getRequestURI().getPath();
            final boolean known = METRICS_PATH.equals(path) || HEALTH_PATH.equals(path);
            if (!known) {
                respond(exchange, 404, PLAIN_TEXT, "not found: " + path + "; try " + METRICS_PATH + " or "
                        + HEALTH_PATH + "\n");
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                respond(exchange, 405, PLAIN_TEXT, exchange.getRequestMethod() + " not allowed; use GET\n");
            } else if (METRICS_PATH.equals(path)) {
                serveMetrics(exchange);
            } else {
                serveHealth(exchange);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics endpoint failed on " + exchange.getRequestURI(), e);
            if (exchange.getResponseCode() < 0) {
                respond(exchange, 500, PLAIN_TEXT, "internal error: " + e + "\n");
            }
        } finally {
            exchange.close();
        }
    }

    private void serveMetrics(HttpExchange exchange) throws IOException {
        final String contentType = SwitchMetrics.contentTypeFor(exchange.getRequestHeaders().getFirst("Accept"));
        respond(exchange, 200, contentType, metrics.scrape(contentType));
    }

    private void serveHealth(HttpExchange exchange) throws IOException {
        String reason;
        try {
            reason = health.get();
        } catch (RuntimeException e) {
            reason = "health check failed: " + e;
        }
        if (reason == null) {
            respond(exchange, 200, PLAIN_TEXT, "ok\n");
        } else {
            respond(exchange, 503, PLAIN_TEXT, reason.endsWith("\n") ? reason : reason + "\n");
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        // 0 would mean a chunked body of unknown length to the JDK server; -1 means none.
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
