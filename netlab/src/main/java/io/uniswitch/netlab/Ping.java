package io.uniswitch.netlab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs iputils {@code ping} inside a namespace and parses its summary.
 *
 * <p>Load is bounded twice: ping sends at most {@code -c count} requests, and the whole run is killed at the
 * timeout. Traffic only
 * leaves from a namespace this process created, never from the root namespace.
 */
public final class Ping {
    private static final Pattern TRANSMITTED =
            Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");
    private static final Pattern LOSS = Pattern.compile("([0-9.]+)% packet loss");
    private static final Pattern RTT = Pattern.compile(
            "(?:rtt|round-trip) min/avg/max/(?:mdev|stddev) = ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms");
    /** iputils' elapsed time on the summary line: "..., 0% packet loss, time 1234ms". */
    private static final Pattern ELAPSED = Pattern.compile("packet loss, time (\\d+)ms");
    private static final Pattern REPLY_TIME = Pattern.compile("bytes from .*? time[=<]([0-9.]+) ms");
    private static final Duration EXTRA_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_COUNT = 1_000_000;
    private static final long MAX_REPLY_WAIT_SECONDS = 5;

    private Ping() {
    }

    /**
     * Summary of one ping run. Times are in milliseconds and NaN when no reply arrived. {@code medianMs} and
     * {@code p99Ms} come from the per-reply times, so they are NaN for {@link #flood} (flood mode prints none).
     * {@code elapsedMs} is ping's own run time from its summary line (from the first request to the end, including
     * any wait for missing replies), NaN when it printed none.
     */
    public record Stats(int sent, int received, double lossPercent, double minMs, double avgMs, double maxMs,
            double mdevMs, double medianMs, double p99Ms, double elapsedMs) {
    }

    /**
     * Sends {@code count} echo requests of {@code payloadBytes} at {@code interval} from namespace {@code from}.
     * Some or all replies missing is a result, not an error; a failure of ping itself (exit 2) throws.
     */
    public static Stats run(Netns from, String target, int count, Duration interval, int payloadBytes,
            Duration timeout) {
        Objects.requireNonNull(from, "ping runs only inside a namespace this process created");
        checkCount(count);
        if (payloadBytes < 0 || payloadBytes > 65507) {
            throw new IllegalArgumentException("payloadBytes out of range: " + payloadBytes);
        }
        List<String> argv = List.of(Tools.ping(), "-n", "-c", Integer.toString(count),
                "-i", String.format(Locale.ROOT, "%.3f", interval.toNanos() / 1e9),
                "-s", Integer.toString(payloadBytes), "-W", replyWaitSeconds(timeout), target);
        return runAndParse(from, argv, timeout);
    }

    /** Flood ping ({@code -f}): as fast as replies come back, at most {@code count} requests. Needs root. */
    public static Stats flood(Netns from, String target, int count, Duration timeout) {
        Objects.requireNonNull(from, "ping runs only inside a namespace this process created");
        checkCount(count);
        List<String> argv = List.of(Tools.ping(), "-n", "-q", "-f", "-c", Integer.toString(count),
                "-W", replyWaitSeconds(timeout), target);
        return runAndParse(from, argv, timeout);
    }

    /** Parses ping's output (per-reply lines and the statistics block). */
    public static Stats parse(String output) {
        Matcher transmitted = TRANSMITTED.matcher(output);
        if (!transmitted.find()) {
            throw new IllegalArgumentException("no ping statistics in output: " + abbreviate(output));
        }
        int sent = Integer.parseInt(transmitted.group(1));
        int received = Integer.parseInt(transmitted.group(2));
        Matcher loss = LOSS.matcher(output);
        double lossPercent = loss.find() ? Double.parseDouble(loss.group(1))
                : sent == 0 ? 0 : 100.0 * (sent - received) / sent;
        double min = Double.NaN;
        double avg = Double.NaN;
        double max = Double.NaN;
        double mdev = Double.NaN;
        Matcher rtt = RTT.matcher(output);
        if (rtt.find()) {
            min = Double.parseDouble(rtt.group(1));
            avg = Double.parseDouble(rtt.group(2));
            max = Double.parseDouble(rtt.group(3));
            mdev = Double.parseDouble(rtt.group(4));
        }
        Matcher elapsed = ELAPSED.matcher(output);
        double elapsedMs = elapsed.find() ? Double.parseDouble(elapsed.group(1)) : Double.NaN;
        double[] sorted = sortedReplyTimes(output);
        return new Stats(sent, received, lossPercent, min, avg, max, mdev, median(sorted), percentile(sorted, 99),
                elapsedMs);
    }

    /** Median of sorted values; NaN when empty. */
    static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Nearest-rank percentile of sorted values; NaN when empty. */
    static double percentile(double[] sorted, int percent) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static Stats runAndParse(Netns from, List<String> argv, Duration timeout) {
        List<String> wrapped = from.wrap(argv);
        Cmd.Result result = Cmd.runAllowFail(timeout.plus(EXTRA_TIMEOUT), wrapped);
        // iputils: 0 = all replies, 1 = some missing, 2 = other error (unknown host, bad option).
        if (result.exitCode() != 0 && result.exitCode() != 1) {
            throw CmdException.failed(wrapped, result);
        }
        try {
            return parse(result.stdout());
        } catch (IllegalArgumentException e) {
            throw CmdException.failed(wrapped, result);
        }
    }

    private static void checkCount(int count) {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be 1.." + MAX_COUNT + ": " + count);
        }
    }

    /**
     * Seconds to wait for a missing reply. {@code -W} rather than {@code -w}: with a deadline iputils keeps sending
     * past {@code -c} until count replies arrive, which would unbound the load when the path drops.
     */
    private static String replyWaitSeconds(Duration timeout) {
        long seconds = Math.max(1, Math.min(MAX_REPLY_WAIT_SECONDS, timeout.toSeconds()));
        return Long.toString(seconds);
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Per-reply round-trip times in milliseconds, sorted ascending. */
    static double[] sortedReplyTimes(String output) {
        List<Double> times = new ArrayList<>();
        Matcher reply = REPLY_TIME.matcher(output);
        while (reply.find()) {
            times.add(Double.parseDouble(reply.group(1)));
        }
        double[] values = times.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(values);
        return values;
    }
}
