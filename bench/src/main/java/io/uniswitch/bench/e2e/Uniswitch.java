package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * uniswitch as an operator runs it: {@code java -jar uniswitch.jar run --config FILE} in the switch namespace, with
 * the given port lines as its config (netdev ports on veths, or a tender port). Its config, control socket and log
 * live in a fresh temporary directory removed by {@link #close}. The process is a child of this JVM ({@code ip netns
 * exec} execs java), so its pid is the switch's and {@link #close} stops it by that pid.
 */
final class Uniswitch implements Dut {
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final Path jar;
    private final List<String> javaOpts;
    private final List<String> portLines;
    /** Scrape /metrics every second during the run, as Prometheus would, to show what observability costs. */
    private final boolean scraped;
    /** Offload mode vnet: the veths keep their offloads and super-frames cross with a virtio_net_hdr. */
    private final boolean vnet;
    /** The config's fdb line (e.g. {@code fdb: {max-entries: 262144}}), or empty for uniswitch's defaults. */
    private final String fdbLine;
    private Process process;
    private Process scraper;
    private Path dir;

    /** {@code portLines} are YAML flow mappings such as {@code {name: pa, type: netdev}}. */
    Uniswitch(Path jar, List<String> javaOpts, List<String> portLines, boolean scraped) {
        this(jar, javaOpts, portLines, scraped, false);
    }

    Uniswitch(Path jar, List<String> javaOpts, List<String> portLines, boolean scraped, boolean vnet) {
        this(jar, javaOpts, portLines, scraped, vnet, "");
    }

    /** {@code fdbLine}: a YAML line such as {@code fdb: {max-entries: 262144}}, or empty for the defaults. */
    Uniswitch(Path jar, List<String> javaOpts, List<String> portLines, boolean scraped, boolean vnet,
            String fdbLine) {
        this.fdbLine = fdbLine;
        this.jar = jar;
        this.javaOpts = List.copyOf(javaOpts);
        this.portLines = List.copyOf(portLines);
        this.scraped = scraped;
        this.vnet = vnet;
    }

    @Override
    public String id() {
        return vnet ? "uniswitch-vnet" : scraped ? "uniswitch-scraped" : "uniswitch";
    }

    @Override
    public String name() {
        return vnet ? "uniswitch vnet" : scraped ? "uniswitch+scrape" : "uniswitch";
    }

    @Override
    public String shortName() {
        return vnet ? "uni+v" : scraped ? "uni+s" : "uni";
    }

    @Override
    public boolean offloadsOff() {
        return !vnet;
    }

    @Override
    public void start(Netns sw) throws Exception {
        dir = Files.createTempDirectory("uniswitch-bench-");
        Path sock = dir.resolve("sw.sock");
        Path cfg = dir.resolve("bench.yaml");
        StringBuilder yaml = new StringBuilder("switch: bench\ncontrol: {socket: " + sock + "}\n"
                // Explicit either way: "uniswitch" is offload mode off, like for like with the kernel bridge with
                // offloads off, whatever offloads: auto would pick for these ports.
                + "dataplane: {offloads: " + (vnet ? "vnet" : "off") + "}\n"
                + (fdbLine.isEmpty() ? "" : fdbLine + "\n") + "ports:\n");
        for (String port : portLines) {
            yaml.append("  - ").append(port).append('\n');
        }
        Files.writeString(cfg, yaml);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(javaOpts);
        cmd.add("-jar");
        cmd.add(jar.toAbsolutePath().toString());
        cmd.add("run");
        cmd.add("--config");
        cmd.add(cfg.toString());
        Path log = dir.resolve("switch.log");
        process = sw.spawn(cmd, log);
        long deadline = System.nanoTime() + START_TIMEOUT_NS;
        while (!Files.exists(sock)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("uniswitch did not start:\n" + Files.readString(log));
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
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** {@code uniswitch fdb flush} over the control socket. */
    @Override
    public void flushFdb() {
        control("fdb-flush");
    }

    /** The FDB size {@code uniswitch show} reports (learned entries; the bench configures no static ones). */
    @Override
    public long fdbEntries() {
        return ControlSocket.number(control("show"), "entries");
    }

    private String control(String cmd) {
        Path d = dir;
        if (d == null) {
            throw new IllegalStateException("uniswitch is not running");
        }
        try {
            return ControlSocket.request(d.resolve("sw.sock"), cmd);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        Cmd.stop(scraper, Duration.ofSeconds(1));
        scraper = null;
        Cmd.stop(process, STOP_GRACE);
        process = null;
        if (dir != null) {
            Cleanup.deleteTree(dir);
            dir = null;
        }
    }
}
