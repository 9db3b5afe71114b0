package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The traffic runs of one switch under test, each bounded in time and count, each recorded in {@link Results} with
 * the CPU time of its window:
 * <ul>
 *   <li>iperf3 TCP, 1 and 4 streams, a to b and b to a ({@code -R});
 *   <li>iperf3 UDP with 64-byte payloads at unlimited rate ({@code -u -b 0 -l 64}) a to b: frames delivered per
 *       second (sent minus lost, over the receiver's time) and the loss;
 *   <li>ping RTT p50 and p99 from the per-reply times ({@code -i} small);
 *   <li>flood ping ({@code ping -f -c N}): N over ping's own elapsed time, and the loss. The elapsed time includes
 *       ping's wait for missing replies, so a lossy path shows in the rate as well as in the loss.
 * </ul>
 * A run that fails is printed, recorded as NaN and counted as a failure; the others go on. Main thread only.
 */
final class Measurements {
    static final String A_ADDR = "10.0.0.1";
    static final String B_ADDR = "10.0.0.2";
    private static final int IPERF_PORT = 5201;
    private static final int UDP_PAYLOAD_BYTES = 64;
    private static final int PING_PAYLOAD_BYTES = 56;
    /** Beyond a run's own length: process start, connection set-up, iperf3's result exchange. */
    private static final Duration SLACK = Duration.ofSeconds(30);
    /** A flood that gets no replies sends one request per 10 ms; this stops it long before 20000 of those. */
    private static final Duration FLOOD_TIMEOUT = Duration.ofSeconds(60);

    private final Settings settings;
    private final Results results;
    private final Path iperfLog;

    /** How long and how many: iperf3 seconds per run, pings for the RTT and their interval, flood ping count. */
    record Settings(int seconds, int pings, Duration pingInterval, int floodCount) {
    }

    /** One traffic run giving the figures of one or more rows, all from the same window. */
    @FunctionalInterface
    private interface Run {
        double[] measure() throws Exception;
    }

    Measurements(Settings settings, Results results, Path iperfLog) {
        this.settings = settings;
        this.results = results;
        this.iperfLog = iperfLog;
    }

    /** Every row of the switch scenario from {@code a} ({@link #A_ADDR}) to {@code b} ({@link #B_ADDR}) and back. */
    void betweenHosts(Netns a, Netns b, Dut dut, int repeat) {
        Process server = Iperf3.server(b, B_ADDR, IPERF_PORT, iperfLog);
        try {
            record(dut, () -> new double[] {tcp(a, 1, false)}, Metric.TCP1_AB);
            record(dut, () -> new double[] {tcp(a, 1, true)}, Metric.TCP1_BA);
            record(dut, () -> new double[] {tcp(a, 4, false)}, Metric.TCP4_AB);
            record(dut, () -> new double[] {tcp(a, 4, true)}, Metric.TCP4_BA);
            record(dut, () -> udp64(a), Metric.UDP64_RATE, Metric.UDP64_LOSS);
        } finally {
            Cmd.stop(server, Duration.ofSeconds(5));
        }
        record(dut, () -> pingRtt(a), Metric.PING_P50, Metric.PING_P99);
        record(dut, () -> flood(a, B_ADDR), Metric.FLOOD_RATE, Metric.FLOOD_LOSS);
        System.out.printf(Locale.ROOT, "  run %d %-16s tcp1 %s/%s tcp4 %s/%s Gbit/s, udp64 %s frames/s, rtt p50 %s us,"
                + " flood %s/s%n", repeat + 1, dut.name(), last(Metric.TCP1_AB, dut), last(Metric.TCP1_BA, dut),
                last(Metric.TCP4_AB, dut), last(Metric.TCP4_BA, dut), last(Metric.UDP64_RATE, dut),
                last(Metric.PING_P50, dut), last(Metric.FLOOD_RATE, dut));
    }

    /** Warm-up pings before the tender flood, as a multiple of the measured count, and at most. */
    private static final int TENDER_WARMUP_FACTOR = 5;
    private static final int TENDER_WARMUP_MAX = 200_000;

    /**
     * The tender rows: a flood ping from {@code lan} to the stand-in tender at {@code target}, after an unmeasured
     * one of {@link #TENDER_WARMUP_FACTOR} times the count (at most {@link #TENDER_WARMUP_MAX}). The switch was just
     * started, and the warm-up gives uniswitch's JIT the head start that the switch scenario's earlier runs give it.
     */
    void floodToTender(Netns lan, String target, Dut dut, int repeat) {
        // Unmeasured, the same for every switch: each repeat starts a fresh switch, and a fresh JVM compiles its tap
        // and ring paths for seconds (C2 took 13 % of the CPU during a flood after a 10,000-ping warm-up; with that
        // warm-up uniswitch measured 0.72x the bridge, after 100,000 pings 0.86x, four alternating runs each).
        Ping.flood(lan, target, Math.min(TENDER_WARMUP_MAX, TENDER_WARMUP_FACTOR * settings.floodCount()),
                FLOOD_TIMEOUT);
        record(dut, () -> flood(lan, target), Metric.TENDER_FLOOD_RATE, Metric.TENDER_FLOOD_LOSS);
        System.out.printf(Locale.ROOT, "  run %d %-16s flood ping to the tender %s/s, loss %s %%%n", repeat + 1,
                dut.name(), last(Metric.TENDER_FLOOD_RATE, dut), last(Metric.TENDER_FLOOD_LOSS, dut));
    }

    private void record(Dut dut, Run run, Metric... metrics) {
        CpuMeter cpu = CpuMeter.start(dut.pid());
        double[] values;
        try {
            values = run.measure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            String message = dut.name() + ": " + metrics[0].label() + " failed: " + e.getMessage();
            System.out.println("  " + message);
            results.fail(message);
            values = new double[metrics.length];
            Arrays.fill(values, Double.NaN);
        }
        CpuMeter.Use use = cpu.stop();
        for (int i = 0; i < metrics.length; i++) {
            results.add(metrics[i], dut.id(), new Results.Sample(values[i], use.processSeconds(),
                    use.kernelSeconds()));
        }
    }

    private double tcp(Netns client, int streams, boolean reverse) {
        Iperf3.Result r = Iperf3.tcp(client, B_ADDR, IPERF_PORT, Duration.ofSeconds(settings.seconds()), streams,
                reverse, Duration.ofSeconds(settings.seconds()).plus(SLACK));
        return r.bitsPerSecond() / 1e9;
    }

    /** Frames delivered per second and loss %, from iperf3's end.sum (the receiver's loss as reported back). */
    private double[] udp64(Netns client) {
        Iperf3.UdpResult r = Iperf3.udp(client, B_ADDR, IPERF_PORT, Duration.ofSeconds(settings.seconds()), 0,
                UDP_PAYLOAD_BYTES, Duration.ofSeconds(settings.seconds()).plus(SLACK));
        if (r.packets() <= 0 || !(r.seconds() > 0)) {
            throw new IllegalStateException("iperf3 UDP report without packets or duration: " + r.packets()
                    + " packets in " + r.seconds() + " s");
        }
        return new double[] {(r.packets() - r.lostPackets()) / r.seconds(), r.lostPercent()};
    }

    private double[] pingRtt(Netns from) {
        Duration interval = settings.pingInterval();
        Duration timeout = interval.multipliedBy(settings.pings()).plus(SLACK);
        Ping.Stats p = Ping.run(from, B_ADDR, settings.pings(), interval, PING_PAYLOAD_BYTES, timeout);
        if (p.received() == 0) {
            throw new IllegalStateException("no reply to " + p.sent() + " pings");
        }
        return new double[] {p.medianMs() * 1000, p.p99Ms() * 1000};
    }

    private double[] flood(Netns from, String target) {
        Ping.Stats p = Ping.flood(from, target, settings.floodCount(), FLOOD_TIMEOUT);
        if (!(p.elapsedMs() > 0)) {
            throw new IllegalStateException("ping -f printed no elapsed time: " + p);
        }
        return new double[] {p.sent() / (p.elapsedMs() / 1000), p.lossPercent()};
    }

    private String last(Metric metric, Dut dut) {
        List<Results.Sample> samples = results.samples(metric, dut.id());
        double v = samples.isEmpty() ? Double.NaN : samples.get(samples.size() - 1).value();
        return Table.format(v);
    }
}
