package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Trafgen;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Frame-level measurements with trafgen (issue #5), each recorded in {@link Results} with the CPU time of its
 * window. Frames are raw Ethernet with ethertype 0x88b5 (IEEE local experimental), so the receiving host's stack
 * drops them unseen; they are sent from one host's {@code eth0} by {@link Trafgen} and counted at the receivers'
 * {@code eth0} ({@code rx_packets}, read after the counters stop moving); frames sent are the sender's
 * {@code tx_packets + tx_dropped}. A paced trial goes through a token bucket on the sender's veth ({@link #send};
 * trafgen's own rate option is no constant rate, see {@link Trafgen}). Sizes are RFC 2544's, FCS included:
 * trafgen writes a frame of {@code size - 4} bytes and the veth adds no FCS, so 1518 is the MTU-sized frame (1514
 * bytes at MTU 1500).
 * <ul>
 *   <li><b>RFC 2544 sweep</b> ({@link #sweep}, in {@link TwoHosts}): per frame size the highest loss-free rate a to
 *       b found by {@link LossFreeSearch}. Before each trial b sends two frames to a, so that b's MAC is learned and
 *       the trial is forwarding, not flooding.
 *   <li><b>RFC 2889</b> ({@link #rfc2889AndScaling}, in {@link ManyHosts} with 3 ports, the switch's default FDB
 *       limits): address caching capacity (N MACs taught from a, then N frames from b to them; any that reaches c
 *       was flooded, so fewer than N were learned; a bounded binary search on N); address learning rate (the highest
 *       rate at which {@link Settings#learnMacs} new MACs from a are all learned, by the same check); the loss-free
 *       rate of 64-byte broadcasts from a counted at both b and c.
 *   <li><b>Scaling</b> ({@link #rfc2889AndScaling}): the 64-byte loss-free rate a to b with 2 ports (the sweep's
 *       figure), 8 and 32 ports (idle veths), and on the 8-port switch with 1k and then 100k MACs taught from c
 *       beforehand (checked against the switch's own FDB listing; a shortfall is noted). FDB limits are raised for
 *       these.
 * </ul>
 * The loss criterion, resolution and trial bounds are {@link Settings}'. Every trafgen run is bounded by its frame
 * count and killed at a timeout. Main thread only.
 */
final class FrameTests {
    /** IEEE 802 local experimental ethertype 1: no stack takes it, so receivers drop it after counting it. */
    static final int ETHERTYPE = 0x88b5;
    static final List<Integer> SIZES = List.of(64, 128, 256, 512, 1024, 1280, 1518);
    static final int FCS_BYTES = 4;
    static final String DEV = "eth0";
    /** Source MACs taught from a for the RFC 2889 trials (last four bytes counted up from 0). */
    private static final String LEARN_BASE = "02:aa:00:00:00:00";
    /** Source MACs taught from c for the scaling rows. */
    private static final String SCALE_BASE = "02:cc:00:00:00:00";
    private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    /** Frames of the unlimited-rate calibration run that sizes the unlimited trial. */
    private static final int CALIBRATION_FRAMES = 20_000;
    private static final int MIN_TRIAL_FRAMES = 100;
    private static final int WARMUP_FRAMES = 300_000;
    /** Rate of the RFC 2889 probe frames from b: low enough that the switch takes every one. */
    private static final int PROBE_PPS = 50_000;
    private static final Duration SETTLE_MAX = Duration.ofSeconds(2);
    private static final long SETTLE_POLL_MS = 30;
    /** Teaching passes at most for the scaling FDBs: a pass re-sends every MAC; the switch keeps what it learned. */
    private static final int TEACH_PASSES = 3;
    /** FDB limits of the scaling switches: room for {@link Settings#fdbLarge} MACs on one port. */
    static final int SCALING_FDB_ENTRIES = 262_144;
    /** Ports of the scaling switches beyond the sweep's two. */
    static final int PORTS_MEDIUM = 8;
    static final int PORTS_LARGE = 32;

    /**
     * How hard and how long: frame sizes of the sweep, trial length, loss tolerance in percent of the frames sent
     * (0: strictly none), search resolution as a fraction of the generator's rate, trials per search, the largest N
     * of the capacity search, the MACs of the learning-rate trials, the teaching rate, the two scaling FDB sizes,
     * and which of the three parts run.
     */
    record Settings(List<Integer> sizes, Duration trial, double lossTolerancePercent, double resolution,
            int maxTrials, int capacityMax, int learnMacs, int teachPps, int fdbSmall, int fdbLarge, boolean sweep,
            boolean rfc2889, boolean scaling, boolean verbose) {
        boolean any() {
            return sweep || rfc2889 || scaling;
        }
    }

    /** Makes a switch under test of the given column over the given ports, with raised FDB limits or defaults. */
    @FunctionalInterface
    interface DutFactory {
        Dut create(String columnId, List<String> ports, boolean largeFdb);
    }

    private final Settings settings;
    private final Results results;
    private final Cleanup cleanup;
    private final DutFactory factory;
    private final LossFreeSearch search;

    FrameTests(Settings settings, Results results, Cleanup cleanup, DutFactory factory) {
        this.settings = settings;
        this.results = results;
        this.cleanup = cleanup;
        this.factory = factory;
        this.search = new LossFreeSearch(settings.lossTolerancePercent(), settings.resolution(),
                settings.maxTrials());
    }

    /**
     * The switches these measurements run for: the kernel bridge with offloads off, uniswitch and OVS. Offloads
     * change nothing for frames of at most 1518 bytes without checksums to complete, so the offload variants would
     * repeat the same figures at the cost of minutes.
     */
    static boolean measures(String columnId) {
        return "bridge".equals(columnId) || "uniswitch".equals(columnId) || "ovs".equals(columnId);
    }

    /** The acceptance criterion in words, for the table and the report. */
    String criterion() {
        return String.format(Locale.ROOT, "loss-free: frames counted at every receiver >= frames sent less %s %%"
                + " (RFC 2544 asks for none); trials of %.2f s; binary search to %.0f %% of the rate,"
                + " at most %d trials", Table.format(settings.lossTolerancePercent()),
                settings.trial().toMillis() / 1000.0, 100 * settings.resolution(), settings.maxTrials());
    }

    /**
     * The RFC 2544 sweep (and the 2-port scaling row) through {@code dut}, already forwarding between {@code a} and
     * {@code b}.
     */
    void sweep(Netns sw, Netns a, Netns b, Dut dut, int repeat) {
        for (Netns ns : List.of(sw, a, b)) {
            ManyHosts.ipv6Off(ns);
        }
        String macA = Links.macAddress(a, DEV);
        String macB = Links.macAddress(b, DEV);
        boolean twoPortsMeasured = false;
        if (settings.sweep()) {
            for (int size : settings.sizes()) {
                Metric m = Metric.sweep(size);
                double v = record(dut, m, () -> unicast(a, b, macA, macB, size, dut, m.label()));
                if (size == 64 && settings.scaling()) {
                    List<Results.Sample> s = results.samples(m, dut.id());
                    results.add(Metric.SCALE_PORTS2, dut.id(), s.get(s.size() - 1));
                    twoPortsMeasured = true;
                }
                System.out.printf(Locale.ROOT, "  run %d %-16s rfc2544 %4d B loss-free %s frames/s (%s Gbit/s)%n",
                        repeat + 1, dut.name(), size, Table.format(v), Table.format(v * size * 8 / 1e9));
            }
        }
        if (settings.scaling() && !twoPortsMeasured) {
            record(dut, Metric.SCALE_PORTS2, () -> unicast(a, b, macA, macB, 64, dut, "2 ports"));
        }
    }

    /** The RFC 2889 rows and the scaling rows beyond 2 ports, each on a fresh {@link ManyHosts} and switch. */
    void rfc2889AndScaling(String columnId, int repeat) throws Exception {
        int idle = settings.scaling() ? PORTS_LARGE - 3 : 0;
        try (ManyHosts hosts = ManyHosts.create(idle, cleanup)) {
            String macA = Links.macAddress(hosts.a, DEV);
            String macB = Links.macAddress(hosts.b, DEV);
            if (settings.rfc2889()) {
                Dut dut = start(columnId, hosts, hosts.ports(3), false);
                try {
                    rfc2889(hosts, dut, macA, macB, repeat);
                } finally {
                    cleanup.close(dut);
                }
            }
            if (settings.scaling()) {
                Dut dut = start(columnId, hosts, hosts.ports(PORTS_MEDIUM), true);
                try {
                    scalingFdb(hosts, dut, macA, macB, repeat);
                } finally {
                    cleanup.close(dut);
                }
                Dut large = start(columnId, hosts, hosts.ports(PORTS_LARGE), true);
                try {
                    double v = record(large, Metric.SCALE_PORTS32,
                            () -> unicast(hosts.a, hosts.b, macA, macB, 64, large, PORTS_LARGE + " ports"));
                    System.out.printf(Locale.ROOT, "  run %d %-16s 64 B loss-free with %d ports %s frames/s%n",
                            repeat + 1, large.name(), PORTS_LARGE, Table.format(v));
                } finally {
                    cleanup.close(large);
                }
            }
        }
    }

    /**
     * A fresh switch over {@code ports}, warmed up with {@value #WARMUP_FRAMES} unmeasured 64-byte frames a to b at
     * full rate: the sweep's switch has had the iperf3 runs for that, and a cold JVM forwards at a fraction of its
     * rate until the JIT has compiled the loop.
     */
    private Dut start(String columnId, ManyHosts hosts, List<String> ports, boolean largeFdb) throws Exception {
        Dut dut = cleanup.add(factory.create(columnId, ports, largeFdb));
        try {
            dut.start(hosts.sw);
            String macA = Links.macAddress(hosts.a, DEV);
            String macB = Links.macAddress(hosts.b, DEV);
            send(hosts.b, frame(macA, 0, macB, 0, 64), 64, 2, 0);
            send(hosts.a, frame(macB, 0, macA, 0, 64), 64, WARMUP_FRAMES, 0);
            settle(List.of(hosts.b));
        } catch (Exception | Error e) {
            cleanup.close(dut);
            throw e;
        }
        return dut;
    }

    private void rfc2889(ManyHosts h, Dut dut, String macA, String macB, int repeat) {
        double capacity = record(dut, Metric.CAPACITY, () -> capacity(h, dut, macB));
        double learning = record(dut, Metric.LEARNING_RATE, () -> learningRate(h, dut, macB));
        double broadcast = record(dut, Metric.BROADCAST_RATE, () -> {
            String packet = frame(BROADCAST, 0, macA, 0, 64);
            LossFreeSearch.Result r = search.search(rate -> trial(h.a, packet, 64, rate, List.of(h.b, h.c),
                    () -> { }));
            return noted(r, dut, "broadcast 64 B");
        });
        System.out.printf(Locale.ROOT, "  run %d %-16s rfc2889 capacity %s MACs, learning %s MACs/s, broadcast %s"
                + " frames/s%n", repeat + 1, dut.name(), Table.format(capacity), Table.format(learning),
                Table.format(broadcast));
    }

    private void scalingFdb(ManyHosts h, Dut dut, String macA, String macB, int repeat) {
        double ports8 = record(dut, Metric.SCALE_PORTS8,
                () -> unicast(h.a, h.b, macA, macB, 64, dut, PORTS_MEDIUM + " ports"));
        double[] fdb = new double[2];
        int[] sizes = {settings.fdbSmall(), settings.fdbLarge()};
        Metric[] rows = {Metric.SCALE_FDB1K, Metric.SCALE_FDB100K};
        for (int i = 0; i < 2; i++) {
            int n = sizes[i];
            int row = i;
            fdb[i] = record(dut, rows[i], () -> {
                long entries = teachScaling(h, dut, macA, n);
                if (entries < n) {
                    results.note(String.format(Locale.ROOT, "%s: %d of %d taught MACs in its FDB before the %s row",
                            dut.name(), entries, n, rows[row].label()));
                }
                return unicast(h.a, h.b, macA, macB, 64, dut, n + " fdb entries");
            });
        }
        System.out.printf(Locale.ROOT, "  run %d %-16s 64 B loss-free with %d ports %s, +%d fdb %s, +%d fdb %s"
                + " frames/s%n", repeat + 1, dut.name(), PORTS_MEDIUM, Table.format(ports8), sizes[0],
                Table.format(fdb[0]), sizes[1], Table.format(fdb[1]));
    }

    /**
     * Teaches {@code n} MACs from c (to a's MAC, so they are forwarded, not flooded) in passes at the teaching rate
     * until the switch lists at least {@code n} entries or the passes run out; returns what it lists.
     */
    private long teachScaling(ManyHosts h, Dut dut, String macA, int n) {
        String packet = frame(macA, 0, SCALE_BASE, n, 64);
        long entries = 0;
        for (int pass = 0; pass < TEACH_PASSES && entries < n; pass++) {
            send(h.c, packet, 64, n, settings.teachPps());
            dut.awaitLearned();
            entries = dut.fdbEntries();
        }
        return entries;
    }

    /** Highest loss-free rate of {@code size}-byte frames from a to b, with b's MAC refreshed before each trial. */
    private double unicast(Netns a, Netns b, String macA, String macB, int size, Dut dut, String what)
            throws Exception {
        String packet = frame(macB, 0, macA, 0, size);
        String refresh = frame(macA, 0, macB, 0, 64);
        LossFreeSearch.Result r = search.search(rate -> trial(a, packet, size, rate, List.of(b),
                () -> send(b, refresh, 64, 2, 0)));
        return noted(r, dut, what);
    }

    /** The figure of a search, with a note when it is the generator's limit rather than the switch's. */
    private double noted(LossFreeSearch.Result r, Dut dut, String what) {
        if (r.generatorBound()) {
            results.note(dut.name() + ": " + what + ": no loss at trafgen's full rate; the figure is the generator's");
        } else if (r.lossFreePps() == 0) {
            results.note(String.format(Locale.ROOT, "%s: %s: frames lost at every rate tried, down to %s frames/s",
                    dut.name(), what, Table.format(r.lowestLossyPps())));
        } else if (r.pacingShort()) {
            results.note(dut.name() + ": " + what + ": the paced generator offered less than asked in the best"
                    + " loss-free trial; the figure may be the generator's");
        }
        return r.lossFreePps();
    }

    /**
     * RFC 2889 address caching capacity: the largest N such that N MACs taught from a are all learned (no frame
     * from b to any of them reaches c). The first trial at the search's bound also counts how many were learned,
     * and the next two probe that count and one more; a table that refuses or evicts when full is done then. Other
     * tables get a binary search, bounded by the trial budget.
     */
    private double capacity(ManyHosts h, Dut dut, String macB) {
        int max = settings.capacityMax();
        long flooded = floodedAfterTeaching(h, dut, macB, max, PROBE_PPS, 2);
        if (flooded == 0) {
            results.note(dut.name() + ": all " + max + " MACs learned; the capacity is at least the search's bound");
            return max;
        }
        int lo = 0;
        int hi = max;
        int guess = (int) Math.max(1, max - Math.min(max, flooded));
        int budget = settings.maxTrials() + 2;
        for (int trial = 0; trial < budget && hi - lo > 1; trial++) {
            int n = trial == 0 ? guess : trial == 1 && lo == guess ? guess + 1 : lo + (hi - lo) / 2;
            if (n <= lo || n >= hi) {
                n = lo + (hi - lo) / 2;
            }
            if (floodedAfterTeaching(h, dut, macB, n, PROBE_PPS, 2) == 0) {
                lo = n;
            } else {
                hi = n;
            }
        }
        if (hi - lo > 1) {
            results.note(dut.name() + ": capacity search stopped between " + lo + " and " + hi + " MACs");
        }
        return lo;
    }

    /**
     * RFC 2889 address learning rate: the highest rate at which {@link Settings#learnMacs} new MACs from a are all
     * learned. A trial is "loss-free" when no probe from b to them is flooded to c.
     */
    private double learningRate(ManyHosts h, Dut dut, String macB) throws Exception {
        int n = settings.learnMacs();
        LossFreeSearch strict = new LossFreeSearch(0, settings.resolution(), settings.maxTrials());
        LossFreeSearch.Result r = strict.search(rate -> {
            long t0 = System.nanoTime();
            Trafgen.Result[] taught = new Trafgen.Result[1];
            long flooded = floodedAfterTeaching(h, dut, macB, n, rate, 1, taught);
            double seconds = taught[0] != null ? taught[0].seconds() : (System.nanoTime() - t0) / 1e9;
            LossFreeSearch.Outcome o = new LossFreeSearch.Outcome(n, n - flooded, seconds);
            trace(rate, o);
            return o;
        });
        return noted(r, dut, "learning " + n + " MACs");
    }

    private long floodedAfterTeaching(ManyHosts h, Dut dut, String macB, int n, double teachPps, int passes) {
        return floodedAfterTeaching(h, dut, macB, n, teachPps, passes, new Trafgen.Result[1]);
    }

    /**
     * One RFC 2889 trial: clear the FDB, let b be learned, teach {@code n} MACs from a ({@code passes} times, at
     * {@code teachPps}, 0 = unlimited; the first pass's result goes to {@code taught[0]}), then send one frame from
     * b to each of them and return how many reached c (flooded: their destination was not learned).
     */
    private long floodedAfterTeaching(ManyHosts h, Dut dut, String macB, int n, double teachPps, int passes,
            Trafgen.Result[] taught) {
        dut.flushFdb();
        String macA = Links.macAddress(h.a, DEV);
        send(h.b, frame(macA, 0, macB, 0, 64), 64, 2, 0);
        String teach = frame(macB, 0, LEARN_BASE, n, 64);
        for (int p = 0; p < passes; p++) {
            Trafgen.Result r = send(h.a, teach, 64, n, teachPps);
            if (p == 0) {
                taught[0] = r;
            }
        }
        dut.awaitLearned();
        long c0 = settle(List.of(h.c))[0];
        send(h.b, frame(LEARN_BASE, n, macB, 0, 64), 64, n, PROBE_PPS);
        long flooded = settle(List.of(h.c))[0] - c0;
        if (settings.verbose()) {
            System.out.printf(Locale.ROOT, "    %d MACs taught at %s frames/s: %d probes flooded%n", n,
                    teachPps > 0 ? Table.format(teachPps) : "unlimited", flooded);
        }
        return flooded;
    }

    /**
     * One RFC 2544 trial: {@code before}, then frames at {@code ratePps} (0: unlimited) for the trial's length, and
     * the frames counted at the receiver that got fewest. An unlimited trial is sized by a short calibration run.
     */
    private LossFreeSearch.Outcome trial(Netns from, String packet, int frameBytes, double ratePps,
            List<Netns> receivers, Runnable before) {
        double seconds = settings.trial().toNanos() / 1e9;
        long count;
        if (ratePps > 0) {
            count = Math.max(MIN_TRIAL_FRAMES, Math.round(ratePps * seconds));
        } else {
            Trafgen.Result cal = send(from, packet, frameBytes, CALIBRATION_FRAMES, 0);
            count = Math.max(MIN_TRIAL_FRAMES, Math.round(cal.rate() * seconds));
        }
        before.run();
        long[] rx0 = settle(receivers);
        long tx0 = offered(from);
        Trafgen.Result sent = send(from, packet, frameBytes, count, ratePps);
        long[] rx1 = settle(receivers);
        long offered = offered(from) - tx0;
        long received = Long.MAX_VALUE;
        for (int i = 0; i < rx0.length; i++) {
            received = Math.min(received, rx1[i] - rx0[i]);
        }
        LossFreeSearch.Outcome o = new LossFreeSearch.Outcome(offered, received, sent.seconds());
        trace(ratePps, o);
        return o;
    }

    /**
     * Frames {@code from}'s {@code eth0} put on the veth: {@code tx_packets} plus {@code tx_dropped}, which a veth
     * counts when the peer's input queue (the switch's ingress) was full, a loss of the switch. Frames the pacing
     * bucket dropped never reached the switch and are in neither.
     */
    private static long offered(Netns from) {
        return Links.statistic(from, DEV, "tx_packets") + Links.statistic(from, DEV, "tx_dropped");
    }

    /** One line per trial with {@code --verbose}: asked rate, offered rate, frames sent and counted, loss. */
    private void trace(double ratePps, LossFreeSearch.Outcome o) {
        if (settings.verbose()) {
            System.out.printf(Locale.ROOT, "    trial %s: offered %s frames/s, %d sent, %d received, loss %s %%, %s%n",
                    ratePps > 0 ? Table.format(ratePps) + " frames/s" : "unlimited", Table.format(o.offeredPps()),
                    o.sent(), o.received(), Table.format(o.lossPercent()), search.lossFree(o) ? "pass" : "fail");
        }
    }

    /**
     * {@code count} frames of {@code frameBytes} (FCS included) from {@code from}: at {@code ratePps} through a token
     * bucket on its {@code eth0} (see {@link Trafgen} for why not trafgen's own rate option), removed afterwards, or
     * at trafgen's full rate when it is 0. The bucket holds a few frames (at least 2000 bytes), so the load is even
     * down to bursts of about 30 64-byte frames.
     */
    private Trafgen.Result send(Netns from, String packet, int frameBytes, long count, double ratePps) {
        int wire = frameBytes - FCS_BYTES;
        boolean paced = ratePps > 0;
        if (paced) {
            int burst = Math.max(2000, 4 * wire);
            Links.pace(from, DEV, Math.round(ratePps * wire * 8), burst, burst + 16 * wire);
        }
        try {
            // A paced run takes about count / rate (the bucket gives 90-95 % of it here); an unlimited one far less.
            // Four times that, plus start-up, bounds it.
            double expected = paced ? count / ratePps : count / 100_000.0;
            Duration timeout = Duration.ofMillis(10_000 + Math.round(4000 * expected));
            return Trafgen.send(from, DEV, packet, count, paced, timeout);
        } finally {
            if (paced) {
                Links.unpace(from, DEV);
            }
        }
    }

    /**
     * The receivers' rx_packets once they stop moving (two equal readings {@value #SETTLE_POLL_MS} ms apart), or
     * after {@link #SETTLE_MAX}: frames still queued in the switch arrive before a trial is judged.
     */
    private static long[] settle(List<Netns> receivers) {
        long deadline = System.nanoTime() + SETTLE_MAX.toNanos();
        long[] last = read(receivers);
        while (System.nanoTime() < deadline) {
            sleep(SETTLE_POLL_MS);
            long[] now = read(receivers);
            if (java.util.Arrays.equals(now, last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long[] read(List<Netns> receivers) {
        long[] v = new long[receivers.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Links.statistic(receivers.get(i), DEV, "rx_packets");
        }
        return v;
    }

    /**
     * A trafgen packet: {@code frameBytes} with the FCS (so {@code frameBytes - 4} written), ethertype
     * {@link #ETHERTYPE}, zero payload. A range above 0 counts the last four bytes of that address from 0 to
     * {@code range - 1}, one per frame, and wraps.
     */
    static String frame(String dst, int dstRange, String src, int srcRange, int frameBytes) {
        int payload = frameBytes - FCS_BYTES - 14;
        if (payload < 46 || frameBytes > 1518) {
            throw new IllegalArgumentException("frame size out of 64..1518: " + frameBytes);
        }
        StringBuilder s = new StringBuilder("{ eth(da=").append(Trafgen.mac(dst));
        if (dstRange > 0) {
            s.append(", da=dinc(0, ").append(dstRange - 1).append(')');
        }
        s.append(", sa=").append(Trafgen.mac(src));
        if (srcRange > 0) {
            s.append(", sa=dinc(0, ").append(srcRange - 1).append(')');
        }
        return s.append(String.format(Locale.ROOT, ", type=0x%04x), fill(0x00, %d) }", ETHERTYPE, payload))
                .toString();
    }

    /** One measurement: its figure (NaN and a recorded failure when it throws) and its CPU window. */
    private double record(Dut dut, Metric metric, Measure measure) {
        CpuMeter cpu = CpuMeter.start(dut.pid());
        double value;
        try {
            value = measure.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            String message = dut.name() + ": " + metric.label() + " failed: " + e.getMessage();
            System.out.println("  " + message);
            results.fail(message);
            value = Double.NaN;
        }
        CpuMeter.Use use = cpu.stop();
        results.add(metric, dut.id(), new Results.Sample(value, use.processSeconds(), use.kernelSeconds()));
        return value;
    }

    @FunctionalInterface
    private interface Measure {
        double run() throws Exception;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
