package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * DPDK's testpmd as the reference vhost-user back-end of a QEMU guest (issue #6): Debian's {@code dpdk-testpmd}
 * (package dpdk-dev; the package dpdk holds only its scripts) in the switch namespace, with a {@code net_vhost} vdev
 * serving the guest's virtio-net device at a unix socket it creates, and a {@code net_af_packet} vdev on a netdev
 * there, in io forwarding: every frame from one port goes out of the other, no learning, no lookup.
 *
 * <p>Flags, found by trying on Debian 12's DPDK 22.11 without hugepages: {@code --no-huge -m 256} (memory from
 * malloc, which the vhost vdev accepts because QEMU shares guest RAM through a memfd); {@code --total-num-mbufs}
 * because testpmd's default pool (sized for 32 ports) does not fit in 256 MB; {@code --no-pci}; {@code -l 0-1},
 * since testpmd refuses to start without a forwarding lcore besides the main one; {@code --stats-period 3600},
 * because without {@code -i} or a stats period testpmd waits for Enter on stdin and, with stdin on /dev/null, exits at
 * once; with it the main lcore sleeps a second at a time. {@code --in-memory} is refused with {@code --no-huge}
 * (legacy memory), so {@code --no-shconf --no-telemetry} and {@code RUNTIME_DIRECTORY} keep its runtime directory in
 * this instance's temporary directory instead of /var/run/dpdk. The forwarding lcore polls without pause: measured
 * 1.0 core when idle.
 *
 * <p>Invariant: the process is a child of this JVM, and {@code ip netns exec} and {@code env} exec testpmd, so its pid
 * is testpmd's and {@link #close} (SIGTERM, on which testpmd prints its forwarding statistics and exits) stops it by
 * that pid. Driven by the benchmark's main thread; {@link #close} is idempotent and may also run from the shutdown
 * hook.
 */
final class Testpmd implements Dut {
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** Printed by testpmd once forwarding has started; where probe failed, testpmd carries on with 1 port. */
    private static final String FORWARDING = "packet forwarding - ports=";
    private static final String BOTH_PORTS = FORWARDING + "2 ";

    private final Path socket;
    private final String netdev;
    private Process process;
    private Path dir;

    /** {@code socket}: where the vhost-user socket is created; {@code netdev}: the link in the switch namespace. */
    Testpmd(Path socket, String netdev) {
        this.socket = socket;
        this.netdev = netdev;
    }

    @Override
    public String id() {
        return "testpmd";
    }

    @Override
    public String name() {
        return "testpmd";
    }

    @Override
    public String shortName() {
        return "pmd";
    }

    @Override
    public boolean skippable() {
        return true;
    }

    /**
     * Installs dpdk-dev if {@code dpdk-testpmd} is missing (through {@link Tools#require}, which runs apt-get).
     * Returns null when testpmd can be tried, otherwise the reason it cannot.
     */
    static String unavailableReason() {
        try {
            Tools.require("dpdk-testpmd", "dpdk-dev");
            Tools.require("env", "coreutils");
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    @Override
    public void start(Netns sw) throws Exception {
        dir = Files.createTempDirectory("uniswitch-bench-testpmd-");
        try {
            Path runtime = Files.createDirectory(dir.resolve("run"));
            Path log = dir.resolve("testpmd.log");
            process = sw.spawn(List.of(Tools.require("env", "coreutils").toString(), "RUNTIME_DIRECTORY=" + runtime,
                    Tools.require("dpdk-testpmd", "dpdk-dev").toString(),
                    "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
                    "--file-prefix", dir.getFileName().toString(), "-l", "0-1", "--log-level=notice",
                    "--vdev", "net_vhost0,iface=" + socket + ",queues=1",
                    "--vdev", "net_af_packet0,iface=" + netdev,
                    "--", "--forward-mode=io", "--auto-start", "--stats-period", "3600",
                    "--total-num-mbufs", "16384"), log);
            long deadline = System.nanoTime() + START_TIMEOUT_NS;
            String output = read(log);
            while (!Files.exists(socket) || !output.contains(FORWARDING)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("testpmd did not start" + (process.isAlive() ? " within "
                            + TimeUnit.NANOSECONDS.toSeconds(START_TIMEOUT_NS) + " s" : " (exit "
                            + process.exitValue() + ")") + ": " + tail(read(log)));
                }
                Thread.sleep(50);
                output = read(log);
            }
            if (!output.contains(BOTH_PORTS)) {
                // A vdev whose probe fails (a missing netdev, say) is left out, and testpmd forwards without it.
                throw new IllegalStateException("testpmd started without both ports: " + tail(output));
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** True while testpmd runs; a vdev that fails after the start (a vhost-user negotiation, say) ends it. */
    boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The end of testpmd's output, for a failure message. */
    String logTail() {
        Path d = dir;
        return d == null ? "" : tail(read(d.resolve("testpmd.log")));
    }

    @Override
    public synchronized void close() throws IOException {
        Cmd.stop(process, STOP_GRACE);
        process = null;
        if (dir != null) {
            Cleanup.deleteTree(dir);
            dir = null;
        }
        Files.deleteIfExists(socket);
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private static String tail(String text) {
        String stripped = text.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").strip();
        return stripped.length() > 1500 ? "..." + stripped.substring(stripped.length() - 1500) : stripped;
    }
}
