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
        Path standinSource, Path json, Path chartsDir) {

    static final List<String> SWITCHES = List.of("bridge", "bridge-offloads", "uniswitch", "uniswitch-vnet", "ovs");
    /** 1000 pings in about 2 s; iputils allows such short intervals to root only (the harness runs as root). */
    static final Duration PING_INTERVAL = Duration.ofMillis(2);

    static final String USAGE = String.join("\n",
            "usage: BridgeComparison [--quick] [--switches bridge,bridge-offloads,uniswitch,uniswitch-vnet,ovs]",
            "       [--seconds N]",
            "       [--repeat N] [--pings N] [--flood N] [--json FILE] [--charts DIR] [--no-tender]",
            "       [--standin-source PATH] [--jar PATH] [--java-opt OPT]... [--scrape]",
            "  --quick           everyday mode (under 3 minutes): 3 s iperf3 runs, 1 repeat, 200 pings, 5000 flood",
            "                    pings",
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
            "  --scrape          also measure uniswitch while /metrics is scraped every second");

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
                default -> throw new UsageException("unknown argument " + a + "; see --help");
            }
        }
        return new BenchOptions(jar, List.copyOf(javaOpts), switches, switchesExplicit,
                orDefault(seconds, quick ? 3 : 10), orDefault(repeat, quick ? 1 : 3),
                orDefault(pings, quick ? 200 : 1000), PING_INTERVAL, orDefault(flood, quick ? 5000 : 20_000), quick,
                scrape, tender, standin, json, charts);
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
