package io.uniswitch.netlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Runs iperf3 servers and clients inside namespaces and parses the client's {@code -J} report.
 *
 * <p>Every client run is bounded by {@code -t} (whole seconds, at least one) and killed at its timeout. A server is a
 * background process of the namespace, ended when the namespace closes or by the caller through {@link Cmd#stop}.
 */
public final class Iperf3 {
    private static final Duration LISTEN_WAIT = Duration.ofSeconds(10);
    private static final Duration SS_TIMEOUT = Duration.ofSeconds(5);
    private static final int CONNECT_TIMEOUT_MS = 5000;
    private static final int MAX_STREAMS = 128;
    private static final long MAX_SECONDS = 3600;

    private Iperf3() {
    }

    /**
     * A TCP run. {@code bitsPerSecond} and {@code seconds} are the receiver's ({@code end.sum_received}),
     * {@code retransmits} the sender's ({@code end.sum_sent.retransmits}, -1 when iperf3 did not report it).
     */
    public record Result(double bitsPerSecond, long retransmits, double seconds, String rawJson) {
    }

    /** A UDP run, from {@code end.sum}: the receiver's loss and jitter as reported back to the client. */
    public record UdpResult(double bitsPerSecond, long packets, long lostPackets, double lostPercent,
            double jitterMs, double seconds, String rawJson) {
    }

    /**
     * Starts {@code iperf3 -s} in {@code ns} on {@code port}, bound to {@code bindAddress} (null: all addresses), and
     * waits until it listens.
     */
    public static Process server(Netns ns, String bindAddress, int port, Path log) {
        Objects.requireNonNull(ns, "iperf3 runs only inside a namespace this process created");
        List<String> argv = new ArrayList<>(List.of(Tools.iperf3(), "-s", "-p", Integer.toString(port)));
        if (bindAddress != null) {
            argv.add("-B");
            argv.add(bindAddress);
        }
        Process process = ns.spawn(argv, log);
        awaitListening(ns, port, process, log);
        return process;
    }

    /** Runs a TCP test from namespace {@code client} to {@code server}:{@code port}. */
    public static Result tcp(Netns client, String server, int port, Duration duration, int streams, boolean reverse,
            Duration timeout) {
        Objects.requireNonNull(client, "iperf3 runs only inside a namespace this process created");
        List<String> argv = clientArgv(server, port, duration, streams);
        if (reverse) {
            argv.add("-R");
        }
        return parse(runClient(client, argv, timeout));
    }

    /**
     * Runs a UDP test at {@code bitsPerSecond} (bounded by iperf3's pacing) with datagrams of {@code payloadBytes}.
     * {@code bitsPerSecond} 0 is iperf3's {@code -b 0}: as fast as the sender can, still bounded by the duration.
     */
    public static UdpResult udp(Netns client, String server, int port, Duration duration, long bitsPerSecond,
            int payloadBytes, Duration timeout) {
        Objects.requireNonNull(client, "iperf3 runs only inside a namespace this process created");
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("UDP bit rate must be 0 (unlimited) or positive: " + bitsPerSecond);
        }
        List<String> argv = clientArgv(server, port, duration, 1);
        argv.addAll(List.of("-u", "-b", Long.toString(bitsPerSecond), "-l", Integer.toString(payloadBytes)));
        return parseUdp(runClient(client, argv, timeout));
    }

    /** Parses a TCP report; throws IllegalStateException with iperf3's message when the report has an error. */
    public static Result parse(String json) {
        Object root = parseChecked(json);
        Object received = Json.path(root, "end", "sum_received");
        if (received == null) {
            throw new IllegalStateException("iperf3 report has no end.sum_received (not a TCP run?)");
        }
        double bitsPerSecond = Json.number(received, Double.NaN, "bits_per_second");
        double seconds = Json.number(received, Double.NaN, "seconds");
        double retransmits = Json.number(root, -1, "end", "sum_sent", "retransmits");
        return new Result(bitsPerSecond, (long) retransmits, seconds, json);
    }

    /** Parses a UDP report; throws IllegalStateException with iperf3's message when the report has an error. */
    public static UdpResult parseUdp(String json) {
        Object root = parseChecked(json);
        Object sum = Json.path(root, "end", "sum");
        if (sum == null) {
            throw new IllegalStateException("iperf3 report has no end.sum (not a UDP run?)");
        }
        return new UdpResult(Json.number(sum, Double.NaN, "bits_per_second"),
                (long) Json.number(sum, -1, "packets"), (long) Json.number(sum, -1, "lost_packets"),
                Json.number(sum, Double.NaN, "lost_percent"), Json.number(sum, Double.NaN, "jitter_ms"),
                Json.number(sum, Double.NaN, "seconds"), json);
    }

    private static Object parseChecked(String json) {
        Object root;
        try {
            root = Json.parse(json.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("iperf3 output is not JSON: " + abbreviate(json), e);
        }
        Object error = Json.path(root, "error");
        if (error != null) {
            throw new IllegalStateException("iperf3 failed: " + error);
        }
        return root;
    }

    private static List<String> clientArgv(String server, int port, Duration duration, int streams) {
        if (streams < 1 || streams > MAX_STREAMS) {
            throw new IllegalArgumentException("streams must be 1.." + MAX_STREAMS + ": " + streams);
        }
        long seconds = Math.max(1, (duration.toMillis() + 999) / 1000);
        if (seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("duration above " + MAX_SECONDS + " s: " + duration);
        }
        return new ArrayList<>(List.of(Tools.iperf3(), "-c", server, "-p", Integer.toString(port),
                "-t", Long.toString(seconds), "-P", Integer.toString(streams), "-J",
                "--connect-timeout", Integer.toString(CONNECT_TIMEOUT_MS)));
    }

    private static String runClient(Netns client, List<String> argv, Duration timeout) {
        List<String> wrapped = client.wrap(argv);
        Cmd.Result result = Cmd.runAllowFail(timeout, wrapped);
        if (result.stdout().isBlank()) {
            throw CmdException.failed(wrapped, result);
        }
        return result.stdout();
    }

    private static void awaitListening(Netns ns, int port, Process process, Path log) {
        long deadline = System.nanoTime() + LISTEN_WAIT.toNanos();
        String filter = String.format(Locale.ROOT, "sport = :%d", port);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("iperf3 server in " + ns.name() + " exited with "
                        + process.exitValue() + ": " + readTail(log));
            }
            Cmd.Result ss = ns.execAllowFail(SS_TIMEOUT, Tools.ss(), "-H", "-l", "-t", "-n", filter);
            if (ss.ok() && !ss.stdout().isBlank()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Cmd.stop(process, Duration.ofSeconds(2));
        throw new IllegalStateException("iperf3 server in " + ns.name() + " did not listen on port " + port
                + " within " + LISTEN_WAIT.toSeconds() + " s: " + readTail(log));
    }

    static String readTail(Path log) {
        try {
            String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            return text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
