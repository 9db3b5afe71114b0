package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import io.uniswitch.netlab.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end benchmark: two namespaces joined through a switch namespace by veths (offloads off on every end),
 * measured through the Linux kernel bridge, uniswitch ({@code netdev} ports) and Open vSwitch's userspace datapath
 * ({@link OvsUserspace}) in the same run, with iperf3 TCP (1 and 4 streams, both directions) and ping RTT. Prints
 * medians of the repeats, the ratio of each switch to the kernel bridge, and uniswitch / OVS.
 *
 * <p>Usage: {@code BridgeComparison --jar daemon/target/uniswitch.jar [--switches bridge,uniswitch,ovs]
 * [--seconds 10] [--repeat 3] [--quick] [--scrape]}. OVS is skipped with a printed reason when it cannot be
 * installed or started; the exit status is then 3 if it was asked for by {@code --switches}, 0 by default.
 * Everything it creates is removed at the end, also on failure or Ctrl-C.
 */
public final class BridgeComparison {
    private static final Duration T = Duration.ofSeconds(120);
    private static final List<String> SWITCHES = List.of("bridge", "uniswitch", "ovs");

    private final Path jar;
    private final int seconds;
    private final int repeat;
    private final int pings;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<String> javaOpts = new ArrayList<>();
    private final Path iperfLog = Path.of(System.getProperty("java.io.tmpdir"), "uniswitch-bench-iperf3.log");

    private final boolean scrape;
    private final List<String> switches;
    private final boolean switchesExplicit;

    private BridgeComparison(Path jar, int seconds, int repeat, int pings, boolean scrape, List<String> switches,
            boolean switchesExplicit) {
        this.scrape = scrape;
        this.switches = switches;
        this.switchesExplicit = switchesExplicit;
        this.jar = jar;
        this.seconds = seconds;
        this.repeat = repeat;
        this.pings = pings;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("daemon/target/uniswitch.jar");
        List<String> javaOptsArg = new ArrayList<>();
        boolean scrape = false;
        int seconds = 10;
        int repeat = 3;
        int pings = 1000;
        List<String> switches = SWITCHES;
        boolean switchesExplicit = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar":
                    jar = Path.of(args[++i]);
                    break;
                case "--seconds":
                    seconds = Integer.parseInt(args[++i]);
                    break;
                case "--repeat":
                    repeat = Integer.parseInt(args[++i]);
                    break;
                case "--java-opt":
                    javaOptsArg.add(args[++i]);
                    break;
                case "--scrape":
                    scrape = true;
                    break;
                case "--switches":
                    switches = parseSwitches(args[++i]);
                    switchesExplicit = true;
                    break;
                case "--quick":
                    seconds = 3;
                    repeat = 1;
                    pings = 200;
                    break;
                case "-h":
                case "--help":
                    System.out.println("usage: BridgeComparison [--jar PATH] [--java-opt OPT]... "
                            + "[--switches bridge,uniswitch,ovs] [--seconds N] [--repeat N] [--quick] [--scrape]");
                    System.out.println("  --switches  switches to measure, in this order (default: all; ovs is skipped"
                            + " with a reason if it cannot start)");
                    System.out.println("  --scrape    also measure uniswitch while /metrics is scraped every second");
                    return;
                default:
                    System.err.println("unknown argument " + args[i] + "; see --help");
                    System.exit(2);
            }
        }
        if (!Files.exists(jar)) {
            System.err.println("no switch jar at " + jar + "; build it with ./uniswitch --version or mvn package");
            System.exit(2);
        }
        Tools.require("iperf3", "iperf3");
        Tools.require("ping", "iputils-ping");
        Tools.require("ethtool", "ethtool");
        BridgeComparison b = new BridgeComparison(jar, seconds, repeat, pings, scrape, switches, switchesExplicit);
        b.javaOpts.addAll(javaOptsArg);
        Thread hook = new Thread(b::tearDown, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean complete;
        try {
            complete = b.run();
        } finally {
            b.tearDown();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        if (!complete) {
            System.exit(3);
        }
    }

    private static List<String> parseSwitches(String arg) {
        List<String> out = new ArrayList<>();
        for (String s : arg.split(",")) {
            String name = s.strip();
            if (!SWITCHES.contains(name)) {
                System.err.println("unknown switch '" + name + "'; choose from " + String.join(",", SWITCHES));
                System.exit(2);
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            System.err.println("--switches needs at least one of " + String.join(",", SWITCHES));
            System.exit(2);
        }
        return out;
    }

    /** The switches to measure, in order; one that cannot be tried at all is listed with its reason in skipped. */
    private List<Dut> duts(Map<String, String> skipped) {
        List<Dut> duts = new ArrayList<>();
        for (String s : switches) {
            switch (s) {
                case "bridge":
                    duts.add(new KernelBridge());
                    break;
                case "uniswitch":
                    duts.add(new Uniswitch(false));
                    if (scrape) {
                        duts.add(new Uniswitch(true));
                    }
                    break;
                case "ovs":
                    OvsUserspace ovs = new OvsUserspace();
                    String reason = OvsUserspace.unavailableReason();
                    if (reason != null) {
                        System.out.println(ovs.name() + ": skipped: " + reason);
                        skipped.put(ovs.name(), reason);
                    }
                    duts.add(ovs);
                    break;
                default:
                    throw new IllegalArgumentException(s);
            }
        }
        return duts;
    }

    /** Measures and prints the table; false when a switch asked for by {@code --switches} was skipped. */
    private boolean run() throws Exception {
        System.out.printf(Locale.ROOT, "switches %s: iperf3 %d s x %d repeats, %d pings; %d cores, %s%n",
                String.join(",", switches), seconds, repeat, pings, Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"));
        Map<String, String> skipped = new LinkedHashMap<>();
        List<Dut> duts = duts(skipped);
        Map<String, Map<String, double[]>> results = new LinkedHashMap<>();
        String[] metrics = {"tcp 1 stream a->b Gbit/s", "tcp 1 stream b->a Gbit/s", "tcp 4 streams a->b Gbit/s",
            "tcp 4 streams b->a Gbit/s", "ping rtt p50 us", "ping rtt p99 us", "switch cpu s per tcp run"};
        for (Dut dut : duts) {
            Map<String, double[]> m = new LinkedHashMap<>();
            for (String k : metrics) {
                double[] v = new double[repeat];
                Arrays.fill(v, -1);
                m.put(k, v);
            }
            results.put(dut.name(), m);
        }
        for (int r = 0; r < repeat; r++) {
            for (Dut dut : duts) {
                if (skipped.containsKey(dut.name())) {
                    continue;
                }
                try {
                    measure(dut, results.get(dut.name()), r);
                } catch (SkipException e) {
                    System.out.println("  " + dut.name() + ": skipped: " + e.getMessage());
                    skipped.put(dut.name(), e.getMessage());
                    for (double[] v : results.get(dut.name()).values()) {
                        Arrays.fill(v, -1);
                    }
                }
            }
        }
        printTable(duts, metrics, results, skipped);
        return !switchesExplicit || skipped.isEmpty();
    }

    /** A switch that may be skipped did not start or did not forward; the run goes on without it. */
    private static final class SkipException extends Exception {
        private static final long serialVersionUID = 1L;

        SkipException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Prints the medians, then ratios: every switch to the kernel bridge, and uniswitch to OVS. A ratio is the plain
     * quotient (for RTT and CPU lower is better); "-" where either side has no figure.
     */
    private void printTable(List<Dut> duts, String[] metrics, Map<String, Map<String, double[]>> results,
            Map<String, String> skipped) {
        Dut bridge = null;
        Dut uni = null;
        Dut ovs = null;
        for (Dut d : duts) {
            if (d instanceof KernelBridge) {
                bridge = d;
            } else if (d instanceof Uniswitch && !((Uniswitch) d).scraped) {
                uni = d;
            } else if (d instanceof OvsUserspace) {
                ovs = d;
            }
        }
        List<Dut[]> ratios = new ArrayList<>();
        if (bridge != null) {
            for (Dut d : duts) {
                if (d != bridge) {
                    ratios.add(new Dut[] {d, bridge});
                }
            }
        }
        if (uni != null && ovs != null) {
            ratios.add(new Dut[] {uni, ovs});
        }
        System.out.println();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-28s", "median of " + repeat));
        for (Dut dut : duts) {
            head.append(String.format(Locale.ROOT, " %16s", dut.name()));
        }
        for (Dut[] q : ratios) {
            head.append(String.format(Locale.ROOT, " %9s", q[0].shortName() + "/" + q[1].shortName()));
        }
        System.out.println(head);
        for (String k : metrics) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-28s", k));
            for (Dut dut : duts) {
                row.append(String.format(Locale.ROOT, " %16s", fmt(median(results.get(dut.name()).get(k)))));
            }
            for (Dut[] q : ratios) {
                double u = median(results.get(q[0].name()).get(k));
                double base = median(results.get(q[1].name()).get(k));
                row.append(String.format(Locale.ROOT, " %9s",
                        base > 0 && u >= 0 ? String.format(Locale.ROOT, "%.2f", u / base) : "-"));
            }
            System.out.println(row);
        }
        StringBuilder legend = new StringBuilder("ratios:");
        for (Dut[] q : ratios) {
            legend.append(' ').append(q[0].shortName()).append('/').append(q[1].shortName()).append(" = ")
                    .append(q[0].name()).append(" / ").append(q[1].name()).append(';');
        }
        if (!ratios.isEmpty()) {
            System.out.println(legend.substring(0, legend.length() - 1));
        }
        for (Map.Entry<String, String> e : skipped.entrySet()) {
            System.out.println(e.getKey() + " skipped: " + e.getValue());
        }
    }

    private static String fmt(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    private void measure(Dut dut, Map<String, double[]> out, int r) throws Exception {
        String tag = Names.unique("ub");
        Netns sw = Netns.create(tag + "s");
        Netns a = Netns.create(tag + "a");
        Netns b = Netns.create(tag + "b");
        List<AutoCloseable> local = List.of(b, a, sw);
        cleanup.addAll(local);
        try {
            for (Object[] peer : new Object[][] {{"pa", a, "10.0.0.1/24"}, {"pb", b, "10.0.0.2/24"}}) {
                String swEnd = (String) peer[0];
                Netns ns = (Netns) peer[1];
                Links.veth(swEnd, sw, "eth0", ns);
                Links.offloadsOff(sw, swEnd);
                Links.offloadsOff(ns, "eth0");
                Links.up(sw, swEnd);
                Links.addAddress(ns, "eth0", (String) peer[2]);
                Links.up(ns, "eth0");
            }
            // Registered before start, so Ctrl-C during the run also stops the switch and removes its files.
            cleanup.add(dut);
            try {
                try {
                    dut.start(sw);
                } catch (Exception e) {
                    if (dut.skippable()) {
                        throw new SkipException("did not start: " + e.getMessage(), e);
                    }
                    throw e;
                }
                Ping.Stats warm = Ping.run(a, "10.0.0.2", 3, Duration.ofMillis(100), 56, T);
                if (warm.received() == 0) {
                    if (dut.skippable()) {
                        throw new SkipException("no ping reply across the switch", null);
                    }
                    throw new IllegalStateException(dut.name() + ": no ping reply across the switch");
                }
                Process server = Iperf3.server(b, "10.0.0.2", 5201, iperfLog);
                try {
                    Thread.sleep(300);
                    double cpu0 = dut.cpuSeconds();
                    out.get("tcp 1 stream a->b Gbit/s")[r] = tcp(a, 1, false);
                    out.get("tcp 1 stream b->a Gbit/s")[r] = tcp(a, 1, true);
                    out.get("tcp 4 streams a->b Gbit/s")[r] = tcp(a, 4, false);
                    out.get("tcp 4 streams b->a Gbit/s")[r] = tcp(a, 4, true);
                    double cpu1 = dut.cpuSeconds();
                    out.get("switch cpu s per tcp run")[r] = cpu0 < 0 ? -1 : (cpu1 - cpu0) / 4;
                } finally {
                    server.destroy();
                    server.waitFor(5, TimeUnit.SECONDS);
                }
                Ping.Stats p = Ping.run(a, "10.0.0.2", pings, Duration.ofMillis(2), 56, T);
                out.get("ping rtt p50 us")[r] = p.medianMs() * 1000;
                out.get("ping rtt p99 us")[r] = p.p99Ms() * 1000;
                System.out.printf(Locale.ROOT, "  run %d %-16s tcp1 %.2f/%.2f tcp4 %.2f/%.2f Gbit/s, rtt p50 %.0f us%n",
                        r + 1, dut.name(), out.get("tcp 1 stream a->b Gbit/s")[r],
                        out.get("tcp 1 stream b->a Gbit/s")[r], out.get("tcp 4 streams a->b Gbit/s")[r],
                        out.get("tcp 4 streams b->a Gbit/s")[r], out.get("ping rtt p50 us")[r]);
            } finally {
                dut.close();
                cleanup.remove(dut);
            }
        } finally {
            for (AutoCloseable c : local) {
                c.close();
                cleanup.remove(c);
            }
        }
    }

    private double tcp(Netns client, int streams, boolean reverse) {
        Iperf3.Result res = Iperf3.tcp(client, "10.0.0.2", 5201, Duration.ofSeconds(seconds), streams, reverse, T);
        return res.bitsPerSecond() / 1e9;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private synchronized void tearDown() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
        cleanup.clear();
    }

    /** The Linux bridge, offloads off on its ports as on uniswitch's. */
    private static final class KernelBridge implements Dut {
        private Netns sw;

        @Override
        public String name() {
            return "kernel bridge";
        }

        @Override
        public String shortName() {
            return "br";
        }

        @Override
        public void start(Netns sw) {
            this.sw = sw;
            sw.exec(T, "ip", "link", "add", "br0", "type", "bridge");
            sw.exec(T, "ip", "link", "set", "pa", "master", "br0");
            sw.exec(T, "ip", "link", "set", "pb", "master", "br0");
            Links.offloadsOff(sw, "br0");
            Links.up(sw, "br0");
        }

        @Override
        public double cpuSeconds() {
            return -1;
        }

        @Override
        public void close() {
            if (sw != null) {
                Cmd.runAllowFail(T, sw.wrap(List.of("ip", "link", "del", "br0")).toArray(new String[0]));
                sw = null;
            }
        }
    }

    /** uniswitch as an operator runs it, from its jar, with netdev ports on the two veths. */
    private final class Uniswitch implements Dut {
        /** Scrape /metrics every second during the run, as Prometheus would, to show what observability costs. */
        private final boolean scraped;
        private Process process;
        private Process scraper;

        Uniswitch(boolean scraped) {
            this.scraped = scraped;
        }
        private Path dir;

        @Override
        public String name() {
            return scraped ? "uniswitch+scrape" : "uniswitch";
        }

        @Override
        public String shortName() {
            return scraped ? "uni+s" : "uni";
        }

        @Override
        public void start(Netns sw) throws Exception {
            dir = Files.createTempDirectory("uniswitch-bench-");
            Path sock = dir.resolve("sw.sock");
            Path cfg = dir.resolve("bench.yaml");
            Files.writeString(cfg, "switch: bench\ncontrol: {socket: " + sock + "}\nports:\n"
                    + "  - {name: pa, type: netdev}\n  - {name: pb, type: netdev}\n");
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(javaOpts);
            cmd.add("-jar");
            cmd.add(jar.toAbsolutePath().toString());
            cmd.add("run");
            cmd.add("--config");
            cmd.add(cfg.toString());
            process = sw.spawn(cmd, dir.resolve("switch.log"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(sock)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("uniswitch did not start:\n"
                            + Files.readString(dir.resolve("switch.log")));
                }
                Thread.sleep(50);
            }
            if (scraped) {
                // Bounded: at most 900 scrapes (15 minutes), and killed when this run ends.
                scraper = sw.spawn(List.of("sh", "-c", "for i in $(seq 1 900); do curl -s -o /dev/null "
                        + "http://127.0.0.1:9477/metrics; sleep 1; done"), dir.resolve("scraper.log"));
            }
        }

        @Override
        public double cpuSeconds() {
            return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(-1.0);
        }

        @Override
        public synchronized void close() throws java.io.IOException {
            if (scraper != null) {
                scraper.destroyForcibly();
                scraper = null;
            }
            if (process != null && process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(20, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    process.destroyForcibly();
                }
            }
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
                dir = null;
            }
        }
    }
}
