package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Ping;
import io.uniswitch.netlab.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end benchmark: the same traffic through each switch under test in turn, in one run, so their ratios hold
 * even on a noisy machine. Switches: the Linux kernel bridge with offloads off (as uniswitch has them) and with the
 * kernel's defaults ({@link KernelBridge}), uniswitch ({@link Uniswitch}, netdev ports) and Open vSwitch's userspace
 * datapath ({@link OvsUserspace}, skipped with a printed reason if it cannot start). Scenarios: two namespaces joined
 * through a switch namespace by veths ({@link TwoHosts}, rows measured by {@link Measurements}), and a flood ping to
 * the stand-in tender through uniswitch's tender port and through the kernel bridge ({@link TenderFlood}), and the
 * frame tests with trafgen for the kernel bridge, uniswitch and OVS ({@link FrameTests}: the RFC 2544 sweep in the
 * same two-namespace topology and switch, RFC 2889 and scaling on their own). Each
 * measurement is repeated; the run prints a table of medians, spreads and ratios ({@link Table}) and writes a JSON
 * report ({@link JsonReport}) and PNG charts ({@link Charts}).
 *
 * <p>Usage: see {@link BenchOptions#USAGE}. Exit status: 0 when every measurement produced a figure, 1 when one
 * failed, 2 for a bad command line, a missing switch jar or a stand-in tender that cannot be built, 3 when a switch
 * named by {@code --switches} was skipped.
 * Everything the run creates is registered with one {@link Cleanup} and removed at the end, also on failure or
 * Ctrl-C (shutdown hook). Runs on the calling thread.
 */
public final class BridgeComparison {
    private static final Duration T = Duration.ofSeconds(120);

    private final BenchOptions options;
    private final Cleanup cleanup = new Cleanup();
    private final Results results;
    private final List<Dut> duts;
    private Path workDir;

    private BridgeComparison(BenchOptions options, List<Dut> duts) {
        this.options = options;
        this.duts = duts;
        List<Results.Column> columns = new ArrayList<>();
        for (Dut d : duts) {
            columns.add(new Results.Column(d.id(), d.name(), d.shortName(), d.offloadsOff(),
                    d instanceof KernelBridge));
        }
        this.results = new Results(columns);
    }

    public static void main(String[] args) throws Exception {
        int status = run(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the benchmark with this command line and returns its exit status (see the class comment). */
    public static int run(String[] args) throws Exception {
        if (List.of(args).contains("-h") || List.of(args).contains("--help")) {
            System.out.println(BenchOptions.USAGE);
            return 0;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.UsageException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (!Files.exists(options.jar())) {
            System.err.println("no switch jar at " + options.jar() + "; build it with ./uniswitch --version or mvn "
                    + "package");
            return 2;
        }
        System.setProperty("java.awt.headless", "true");
        Tools.require("iperf3", "iperf3");
        Tools.require("ping", "iputils-ping");
        Tools.require("ethtool", "ethtool");
        if (options.frameSettings().any()) {
            Tools.require("trafgen", "netsniff-ng");
        }
        BridgeComparison b = new BridgeComparison(options, duts(options));
        Thread hook = new Thread(() -> {
            System.err.println("bench: stopping; removing the namespaces, switches and files of this run");
            b.cleanup.closeAll();
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return b.runAll();
        } finally {
            b.cleanup.closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C arrived: the hook is running or has run; it closes the same things.
            }
        }
    }

    /** The switches to measure, in the order given. */
    private static List<Dut> duts(BenchOptions o) {
        List<String> ports = List.of("{name: pa, type: netdev}", "{name: pb, type: netdev}");
        List<Dut> duts = new ArrayList<>();
        for (String s : o.switches()) {
            switch (s) {
                case "bridge" -> duts.add(new KernelBridge(true, List.of("pa", "pb")));
                case "bridge-offloads" -> duts.add(new KernelBridge(false, List.of("pa", "pb")));
                case "uniswitch" -> {
                    duts.add(new Uniswitch(o.jar(), o.javaOpts(), ports, false));
                    if (o.scrape()) {
                        duts.add(new Uniswitch(o.jar(), o.javaOpts(), ports, true));
                    }
                }
                case "uniswitch-vnet" -> duts.add(new Uniswitch(o.jar(), o.javaOpts(), ports, false, true));
                case "ovs" -> duts.add(new OvsUserspace());
                default -> throw new IllegalArgumentException(s);
            }
        }
        return duts;
    }

    private int runAll() throws Exception {
        Instant started = Instant.now();
        System.out.printf(Locale.ROOT, "switches %s: iperf3 %d s, %d repeats, %d pings, flood ping %d; %d cores, %s%n",
                String.join(",", options.switches()), options.seconds(), options.repeat(), options.pings(),
                options.floodCount(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"));
        workDir = Files.createTempDirectory("uniswitch-bench-");
        cleanup.add(new TempDir(workDir));
        Measurements measurements = new Measurements(options.settings(), results, workDir.resolve("iperf3.log"));
        FrameTests frames = new FrameTests(options.frameSettings(), results, cleanup, this::frameDut);
        TenderFlood tender;
        try {
            tender = tenderScenario(measurements);
        } catch (RuntimeException e) {
            // No source or no compiler: said before anything is measured, not after ten minutes.
            System.err.println("bench: cannot build the stand-in tender: " + e.getMessage());
            return 2;
        }
        for (Dut dut : duts) {
            if (dut instanceof OvsUserspace) {
                String reason = OvsUserspace.unavailableReason();
                if (reason != null) {
                    System.out.println(dut.name() + ": skipped: " + reason);
                    results.skip(dut.id(), reason);
                }
            }
        }
        for (int r = 0; r < options.repeat(); r++) {
            for (Dut dut : duts) {
                if (!results.isSkipped(dut.id())) {
                    measureSwitch(dut, measurements, frames, r);
                }
                if (!results.isSkipped(dut.id())) {
                    measureFrames(dut, frames, r);
                }
            }
            if (tender != null) {
                for (Results.Column c : results.columns()) {
                    if (TenderFlood.measures(c.id()) && !results.isSkipped(c.id())) {
                        measureTender(tender, c, r);
                    }
                }
            }
        }
        if (options.frameSettings().any()) {
            System.out.println();
            System.out.println("frame tests: " + frames.criterion());
        }
        Table.print(System.out, results, options.repeat());
        writeCharts();
        JsonReport.write(options.json(), options, results, started, Instant.now());
        System.out.println("json: " + options.json().toAbsolutePath());
        if (!results.failures().isEmpty()) {
            return 1;
        }
        return options.switchesExplicit() && !results.skipped().isEmpty() ? 3 : 0;
    }

    /** The tender scenario with its compiled stand-in, or null when it is left out or no switch it measures runs. */
    private TenderFlood tenderScenario(Measurements measurements) {
        boolean any = false;
        for (Results.Column c : results.columns()) {
            any |= TenderFlood.measures(c.id());
        }
        if (!options.tender() || !any) {
            return null;
        }
        Path binary = StandinTender.compile(options.standinSource(), workDir);
        return new TenderFlood(binary, workDir, options.jar(), options.javaOpts(), measurements, cleanup);
    }

    /** One repeat of the switch scenario; a skippable switch that fails is skipped, another's failure is recorded. */
    private void measureSwitch(Dut dut, Measurements measurements, FrameTests frames, int r) {
        try (TwoHosts hosts = TwoHosts.create(dut.offloadsOff(), cleanup)) {
            cleanup.add(dut);
            try {
                try {
                    dut.start(hosts.sw);
                    Ping.Stats warm = Ping.run(hosts.a, Measurements.B_ADDR, 3, Duration.ofMillis(100), 56, T);
                    if (warm.received() == 0) {
                        throw new IllegalStateException("no ping reply across the switch");
                    }
                } catch (Exception e) {
                    if (dut.skippable()) {
                        String reason = "did not start or forward: " + e.getMessage();
                        System.out.println("  " + dut.name() + ": skipped: " + reason);
                        results.skip(dut.id(), reason);
                        return;
                    }
                    throw e;
                }
                measurements.betweenHosts(hosts.a, hosts.b, dut, r);
                FrameTests.Settings f = options.frameSettings();
                if ((f.sweep() || f.scaling()) && FrameTests.measures(dut.id())) {
                    frames.sweep(hosts.sw, hosts.a, hosts.b, dut, r);
                }
            } finally {
                cleanup.close(dut);
            }
        } catch (Exception e) {
            failed(dut.id(), dut.name(), Metric.Scenario.SWITCHES, e, r);
            pad(dut.id(), Metric.Scenario.SWEEP, r);
            pad(dut.id(), Metric.Scenario.SCALING, r);
        }
    }

    /** One repeat of the RFC 2889 and scaling rows, on their own topology and switches. */
    private void measureFrames(Dut dut, FrameTests frames, int r) {
        FrameTests.Settings f = options.frameSettings();
        if (!(f.rfc2889() || f.scaling()) || !FrameTests.measures(dut.id())) {
            return;
        }
        try {
            frames.rfc2889AndScaling(dut.id(), r);
        } catch (Exception e) {
            failed(dut.id(), dut.name(), Metric.Scenario.RFC2889, e, r);
            pad(dut.id(), Metric.Scenario.SCALING, r);
        }
    }

    /**
     * A switch of column {@code columnId} for the frame tests, over {@code ports}: FDB limits at the switch's
     * defaults (what users get), or raised for the scaling rows' 100k MACs on one port.
     */
    private Dut frameDut(String columnId, List<String> ports, boolean largeFdb) {
        int entries = FrameTests.SCALING_FDB_ENTRIES;
        return switch (columnId) {
            case "bridge" -> new KernelBridge(true, ports);
            case "uniswitch" -> {
                List<String> lines = new ArrayList<>();
                for (String p : ports) {
                    lines.add("{name: " + p + ", type: netdev}");
                }
                yield new Uniswitch(options.jar(), options.javaOpts(), lines, false, false, largeFdb
                        ? "fdb: {max-entries: " + entries + ", max-entries-per-port: " + entries + "}" : "");
            }
            case "ovs" -> new OvsUserspace(ports, largeFdb ? entries : 0);
            default -> throw new IllegalArgumentException("no frame tests for " + columnId);
        };
    }

    private void measureTender(TenderFlood tender, Results.Column c, int r) {
        try {
            tender.run(c.id(), r);
        } catch (Exception e) {
            failed(c.id(), c.name(), Metric.Scenario.TENDER, e, r);
        }
    }

    /**
     * A repeat that could not run: printed, and NaN for each of its rows that has no figure of this repeat yet, so
     * the table says "failed".
     */
    private void failed(String columnId, String name, Metric.Scenario scenario, Exception e, int r) {
        String message = name + ": " + scenario.name().toLowerCase(Locale.ROOT) + " scenario failed: "
                + e.getMessage();
        System.out.println("  " + message);
        results.fail(message);
        pad(columnId, scenario, r);
    }

    /** NaN for every row of {@code scenario} that this switch was to measure and has fewer than r + 1 figures. */
    private void pad(String columnId, Metric.Scenario scenario, int r) {
        FrameTests.Settings f = options.frameSettings();
        for (Metric m : Metric.values()) {
            if (m.scenario() != scenario || !Results.applies(m, columnId)) {
                continue;
            }
            boolean planned = switch (scenario) {
                case SWEEP -> f.sweep() && f.sizes().contains(m.frameBytes());
                case RFC2889 -> f.rfc2889();
                case SCALING -> f.scaling();
                default -> true;
            };
            while (planned && results.samples(m, columnId).size() < r + 1) {
                results.add(m, columnId, new Results.Sample(Double.NaN, Double.NaN, Double.NaN));
            }
        }
    }

    private void writeCharts() {
        try {
            List<Path> files = Charts.write(options.chartsDir(), results);
            System.out.println("charts: " + files.size() + " PNG files in " + options.chartsDir().toAbsolutePath());
        } catch (IOException | RuntimeException | Error e) {
            // AWT needs fontconfig and a font even headless, and fails with an Error without them; the figures in the
            // table and the JSON stand regardless.
            String message = "charts not drawn: " + e;
            System.out.println(message);
            results.fail(message);
        }
    }

    /** The run's temporary directory (stand-in binary, logs), removed with everything in it. */
    private record TempDir(Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Cleanup.deleteTree(dir);
        }
    }
}
