package io.uniswitch.bench.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of the end-to-end benchmark, parsed and checked. {@code --quick} gives the defaults of the
 * everyday mode; explicit options win over it in any order. Every count and duration is bounded, so a run is too.
 */
record BenchOptions(Path jar, List<String> javaOpts, List<String> switches, boolean switchesExplicit, int seconds,
        int repeat, int pings, Duration pingInterval, int floodCount, boolean quick, boolean scrape, boolean tender,
        Path standinSource, Path json, Path chartsDir, boolean sweep, boolean rfc2889, boolean scaling,
        List<Integer> sizes, int trialMs, double lossTolerancePercent, int capacityMax, boolean verbose) {

    static final List<String> SWITCHES = List.of("bridge", "bridge-offloads", "uniswitch", "uniswitch-vnet", "ovs");
    /** 1000 pings in about 2 s; iputils allows such short intervals to root only (the harness runs as root). */
    static final Duration PING_INTERVAL = Duration.ofMillis(2);

    /** Quick mode's frame sizes: the smallest and the MTU-sized frame. */
    static final List<Integer> QUICK_SIZES = List.of(64, 1518);

    static final String USAGE = String.join("\n",
            "usage: BridgeComparison [--quick] [--switches bridge,bridge-offloads,uniswitch,uniswitch-vnet,ovs]",
            "       [--seconds N]",
            "       [--repeat N] [--pings N] [--flood N] [--json FILE] [--charts DIR] [--no-tender]",
            "       [--standin-source PATH] [--jar PATH] [--java-opt OPT]... [--scrape]",
            "       [--no-sweep] [--no-rfc2889] [--no-scaling] [--sizes 64,128,...] [--trial-ms N]",
            "       [--loss-tolerance PCT] [--capacity-max N] [--verbose]",
            "  --quick           everyday mode (under 3 minutes): 3 s iperf3 runs, 1 repeat, 200 pings, 5000 flood",
            "                    pings; frame tests with sizes 64,1518, 0.2 s trials, 6 per search, capacity",
            "                    searched up to 8192 MACs",
            "  (default)         full mode: roughly 50 minutes with every switch (iperf3 and pings about 11, the",
            "                    frame tests roughly 13 per repeat: 7 sizes, 2 s trials, up to 10 per search,",
            "                    capacity up to 131072 MACs; estimated from quick runs, not timed end to end)",
            "  --switches        switches to measure, in this order (default: all; ovs is skipped with a reason if it",
            "                    cannot start); bridge has offloads off as uniswitch has them, bridge-offloads the",
            "                    kernel's defaults, as uniswitch-vnet (dataplane.offloads: vnet) has them",
            "  --seconds N       length of each iperf3 run (default 10)",
            "  --repeat N        repeats of every measurement; the table shows medians (default 3)",
            "  --pings N         pings for the RTT percentiles, 0.002 s apart (default 1000)",
            "  --flood N         requests per flood ping, ping -f -c N (default 20000)",
            "  --json FILE       report file (default bench-results/<UTC time>.json)",
            "  --charts DIR      PNG charts (default bench-results/<UTC time>/)",
            "  --no-tender       leave out the flood ping to the stand-in tender",
            "  --standin-source  the stand-in tender's C source (default daemon/src/test/c/standin_tender.c)",
            "  --jar PATH        the switch (default daemon/target/uniswitch.jar)",
            "  --java-opt OPT    a JVM option for the switch (repeatable)",
            "  --scrape          also measure uniswitch while /metrics is scraped every second",
            "frame tests (trafgen, raw 0x88b5 frames; kernel bridge, uniswitch and ovs only):",
            "  --no-sweep        leave out the RFC 2544 sweep: highest loss-free rate a->b per frame size",
            "  --no-rfc2889      leave out RFC 2889: address caching capacity (default FDB limits), address",
            "                    learning rate (1000 MACs), loss-free broadcast rate to two ports",
            "  --no-scaling      leave out the 64-byte loss-free rate with 2, 8 and 32 ports, and with 1000 and",
            "                    100000 MACs in the FDB",
            "  --sizes LIST      sweep frame sizes in bytes with the FCS, 64..1518 (default 64,128,256,512,1024,1280,",
            "                    1518; 1518 is the MTU-sized frame, 1514 bytes on the veth without FCS)",
            "  --trial-ms N      length of one loss-free trial (default 2000, quick 200)",
            "  --loss-tolerance PCT  loss still counted as loss-free, in % of frames sent (default 0.01; 0 is",
            "                    RFC 2544's strict zero)",
            "  --capacity-max N  bound of the address caching capacity search (default 131072, quick 8192)",
            "  --verbose         print every trial of the frame tests (rate, frames sent and counted, loss)");

    /** A bad command line; the message says what and the caller exits with status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static BenchOptions parse(String[] args) throws UsageException {
        Path jar = Path.of("daemon/target/uniswitch.jar");
        List<String> javaOpts = new ArrayList<>();
        List<String> switches = SWITCHES;
        boolean switchesExplicit = false;
        Integer seconds = null;
        Integer repeat = null;
        Integer pings = null;
        Integer flood = null;
        boolean quick = false;
        boolean scrape = false;
        boolean tender = true;
        Path standin = Path.of("daemon/src/test/c/standin_tender.c");
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path json = Path.of("bench-results", stamp + ".json");
        Path charts = Path.of("bench-results", stamp);
        boolean sweep = true;
        boolean rfc2889 = true;
        boolean scaling = true;
        List<Integer> sizes = null;
        Integer trialMs = null;
        double lossTolerance = 0.01;
        Integer capacityMax = null;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--jar" -> jar = Path.of(value(args, ++i, a));
                case "--java-opt" -> javaOpts.add(value(args, ++i, a));
                case "--switches" -> {
                    switches = parseSwitches(value(args, ++i, a));
                    switchesExplicit = true;
                }
                case "--seconds" -> seconds = number(args, ++i, a, 1, 600);
                case "--repeat" -> repeat = number(args, ++i, a, 1, 20);
                case "--pings" -> pings = number(args, ++i, a, 10, 100_000);
                case "--flood" -> flood = number(args, ++i, a, 100, 1_000_000);
                case "--quick" -> quick = true;
                case "--scrape" -> scrape = true;
                case "--no-tender" -> tender = false;
                case "--standin-source" -> standin = Path.of(value(args, ++i, a));
                case "--json" -> json = Path.of(value(args, ++i, a));
                case "--charts" -> charts = Path.of(value(args, ++i, a));
                case "--no-sweep" -> sweep = false;
                case "--verbose" -> verbose = true;
                case "--no-rfc2889" -> rfc2889 = false;
                case "--no-scaling" -> scaling = false;
                case "--sizes" -> sizes = parseSizes(value(args, ++i, a));
                case "--trial-ms" -> trialMs = number(args, ++i, a, 50, 60_000);
                case "--loss-tolerance" -> lossTolerance = percent(value(args, ++i, a), a);
                case "--capacity-max" -> capacityMax = number(args, ++i, a, 16, 1 << 20);
                default -> throw new UsageException("unknown argument " + a + "; see --help");
            }
        }
        return new BenchOptions(jar, List.copyOf(javaOpts), switches, switchesExplicit,
                orDefault(seconds, quick ? 3 : 10), orDefault(repeat, quick ? 1 : 3),
                orDefault(pings, quick ? 200 : 1000), PING_INTERVAL, orDefault(flood, quick ? 5000 : 20_000), quick,
                scrape, tender, standin, json, charts, sweep, rfc2889, scaling,
                sizes != null ? sizes : quick ? QUICK_SIZES : FrameTests.SIZES, orDefault(trialMs, quick ? 200 : 2000),
                lossTolerance, orDefault(capacityMax, quick ? 8192 : 131_072), verbose);
    }

    /** Settings of the frame tests: quick mode searches coarser (to 10 %, 6 trials; full mode 2 %, 10 trials). */
    FrameTests.Settings frameSettings() {
        return new FrameTests.Settings(sizes, Duration.ofMillis(trialMs), lossTolerancePercent, quick ? 0.1 : 0.02,
                quick ? 6 : 10, capacityMax, 1000, 50_000, 1000, 100_000, sweep, rfc2889, scaling, verbose);
    }

    /** Settings of the traffic runs. */
    Measurements.Settings settings() {
        return new Measurements.Settings(seconds, pings, pingInterval, floodCount);
    }

    private static int orDefault(Integer given, int fallback) {
        return given != null ? given : fallback;
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value; see --help");
        }
        return args[i];
    }

    private static int number(String[] args, int i, String option, int min, int max) throws UsageException {
        String v = value(args, i, option);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(option + " must be " + min + ".." + max + ": " + n);
        }
        return n;
    }

    private static double percent(String v, String option) throws UsageException {
        double p;
        try {
            p = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a number, not '" + v + "'");
        }
        if (!(p >= 0 && p <= 10)) {
            throw new UsageException(option + " must be 0..10 (percent): " + v);
        }
        return p;
    }

    private static List<Integer> parseSizes(String arg) throws UsageException {
        List<Integer> out = new ArrayList<>();
        for (String s : arg.split(",")) {
            int n;
            try {
                n = Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--sizes needs whole numbers, not '" + s + "'");
            }
            if (Metric.sweep(n) == null) {
                throw new UsageException("--sizes: " + n + " is not one of " + FrameTests.SIZES);
            }
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--sizes needs at least one of " + FrameTests.SIZES);
        }
        return List.copyOf(out);
    }

    private static List<String> parseSwitches(String arg) throws UsageException {
        List<String> out = new ArrayList<>();
        for (String s : arg.split(",")) {
            String name = s.strip();
            if (!SWITCHES.contains(name)) {
                throw new UsageException("unknown switch '" + name + "'; choose from " + String.join(",", SWITCHES));
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--switches needs at least one of " + String.join(",", SWITCHES));
        }
        return List.copyOf(out);
    }
}
