package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.QemuGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The same QEMU Linux guest on three back-ends, in one run: uniswitch on a {@code vhost-user} port (the switch serves
 * the virtio-net device), uniswitch on a {@code qemu} stream port (QEMU's own virtio-net back-end, frames over a unix
 * socket), and, as the reference of issue #6, DPDK's testpmd serving the same vhost-user device and forwarding to the
 * peer's veth through an af_packet vdev ({@link Testpmd}). For each: iperf3 TCP from a namespace peer to the guest
 * and back, the back-end process's CPU seconds during those runs and per gigabit moved, and its idle CPU (fraction of
 * a core over {@link #IDLE} with the guest up and no traffic). A TCG guest (on machines whose KVM cannot boot Linux)
 * is far slower than either back-end, so the throughput is the guest's; the CPU columns are the back-end's cost.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.uniswitch.bench.e2e.VmAttachments [--jar PATH] [--seconds N]
 * [--no-testpmd]} (root). testpmd (Debian's dpdk-dev) is installed on first use; if it cannot be installed or
 * started, its row is skipped with the reason printed, and {@code --no-testpmd} leaves it out. Everything it creates
 * is removed at the end, also on failure, but the console logs in the run's temporary directory.
 */
public final class VmAttachments {
    private static final String GUEST_ADDR = "10.0.0.2";
    private static final String PEER_ADDR = "10.0.0.3";
    private static final Duration T = Duration.ofSeconds(120);
    /** The idle window, after {@link #SETTLE} once the guest is up: long enough for whole-tick CPU readings. */
    private static final Duration IDLE = Duration.ofSeconds(5);
    /** Lets the back-end finish the guest's boot-time work (and a JVM its start-up compilation) before idling. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private static final int REFUSED_ATTEMPTS = 3;
    private static final Duration REFUSED_PAUSE = Duration.ofSeconds(1);

    private VmAttachments() {
    }

    private enum Backend {
        UNISWITCH_VHOST_USER("uniswitch vhost-user"), UNISWITCH_STREAM("uniswitch qemu stream"),
        TESTPMD("testpmd vhost-user");

        final String label;

        Backend(String label) {
            this.label = label;
        }
    }

    private record Run(double bitsPerSecond, double cpuSeconds) {
    }

    private record Row(String attachment, double toGuestMbps, double fromGuestMbps, double cpuSeconds,
            double gigabits, double idleCores) {
        double cpuPerGigabit() {
            return cpuSeconds / gigabits;
        }
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("daemon/target/uniswitch.jar");
        int seconds = 10;
        boolean testpmd = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--no-testpmd" -> testpmd = false;
                default -> {
                    System.err.println("usage: VmAttachments [--jar PATH] [--seconds N] [--no-testpmd]");
                    System.exit(2);
                }
            }
        }
        Cleanup cleanup = new Cleanup();
        Runtime.getRuntime().addShutdownHook(new Thread(cleanup::closeAll));
        int exit = 0;
        try {
            Path dir = Files.createTempDirectory("uniswitch-vm-bench-");
            List<Row> rows = new ArrayList<>();
            Row vhost = measure(Backend.UNISWITCH_VHOST_USER, jar, dir, seconds, cleanup);
            rows.add(vhost);
            Row stream = measure(Backend.UNISWITCH_STREAM, jar, dir, seconds, cleanup);
            rows.add(stream);
            Row pmd = null;
            if (testpmd) {
                String reason = Testpmd.unavailableReason();
                if (reason != null) {
                    System.out.println("bench: testpmd: skipped: " + reason);
                } else {
                    try {
                        pmd = measure(Backend.TESTPMD, jar, dir, seconds, cleanup);
                        rows.add(pmd);
                    } catch (SkipException e) {
                        System.out.println("bench: testpmd: skipped: " + e.getMessage());
                    } catch (Exception e) {
                        // The uniswitch rows are measured already: print them, and fail the run after the table.
                        System.out.println("bench: testpmd: failed: " + e);
                        exit = 1;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-22s %14s %15s %13s %15s %11s%n", "back-end", "to guest Mb/s",
                    "from guest Mb/s", "cpu s (runs)", "cpu s per Gbit", "idle cores");
            for (Row r : rows) {
                System.out.printf(Locale.ROOT, "%-22s %14.0f %15.0f %13.2f %15.2f %11.3f%n", r.attachment(),
                        r.toGuestMbps(), r.fromGuestMbps(), r.cpuSeconds(), r.cpuPerGigabit(), r.idleCores());
            }
            System.out.printf(Locale.ROOT, "vhost-user / stream: throughput %.2fx / %.2fx, cpu per Gbit %.2fx%n",
                    vhost.toGuestMbps() / stream.toGuestMbps(), vhost.fromGuestMbps() / stream.fromGuestMbps(),
                    vhost.cpuPerGigabit() / stream.cpuPerGigabit());
            if (pmd != null) {
                System.out.printf(Locale.ROOT, "uniswitch vhost-user / testpmd: throughput %.2fx / %.2fx, "
                        + "cpu per Gbit %.2fx, idle cpu %.3fx%n", vhost.toGuestMbps() / pmd.toGuestMbps(),
                        vhost.fromGuestMbps() / pmd.fromGuestMbps(), vhost.cpuPerGigabit() / pmd.cpuPerGigabit(),
                        vhost.idleCores() / pmd.idleCores());
            }
        } finally {
            cleanup.closeAll();
        }
        if (exit != 0) {
            System.exit(exit);
        }
    }

    private static Row measure(Backend backend, Path jar, Path dir, int seconds, Cleanup cleanup) throws Exception {
        String tag = Names.unique("uv");
        Netns sw = cleanup.add(Netns.create(tag + "s"));
        Netns lan = cleanup.add(Netns.create(tag + "l"));
        Dut dut = null;
        try {
            TwoHosts.join(sw, "eth0", lan, PEER_ADDR + "/24", true);
            Path socket = dir.resolve(tag + ".sock");
            dut = cleanup.add(switch (backend) {
                case UNISWITCH_VHOST_USER -> new Uniswitch(jar, List.of(), List.of(
                        "{name: vm0, type: vhost-user, socket: " + socket + "}", "{name: eth0, type: netdev}"), false);
                case UNISWITCH_STREAM -> new Uniswitch(jar, List.of(), List.of(
                        "{name: vm0, type: qemu, socket: " + socket + ", mode: stream}", "{name: eth0, type: netdev}"),
                        false);
                case TESTPMD -> new Testpmd(socket, "eth0");
            });
            try {
                dut.start(sw);
            } catch (Exception e) {
                if (dut.skippable()) {
                    throw new SkipException(e.getMessage(), e);
                }
                throw e;
            }
            QemuGuest.Options opts = (backend == Backend.UNISWITCH_STREAM
                    ? QemuGuest.Options.ofStream(socket, GUEST_ADDR + "/24")
                    : QemuGuest.Options.ofVhostUser(socket, GUEST_ADDR + "/24")).withNetns(sw)
                    .withConsoleLog(dir.resolve(tag + "-console.log"));
            try (QemuGuest guest = QemuGuest.start(opts)) {
                System.out.println("bench: " + backend.label + ": guest up (" + guest.accelUsed() + ", "
                        + guest.bootTime().toSeconds() + " s), idle " + IDLE.toSeconds() + " s, iperf3 " + seconds
                        + " s each way");
                Thread.sleep(SETTLE.toMillis());
                double idleCores = idleCores(dut.pid());
                Run to = iperf3(lan, dut.pid(), seconds, false);
                Run from = iperf3(lan, dut.pid(), seconds, true);
                if (dut instanceof Testpmd pmd && !pmd.isAlive()) {
                    throw new IllegalStateException("testpmd exited during the run: " + pmd.logTail());
                }
                double gigabits = (to.bitsPerSecond() + from.bitsPerSecond()) * seconds / 1e9;
                return new Row(backend.label, to.bitsPerSecond() / 1e6, from.bitsPerSecond() / 1e6,
                        to.cpuSeconds() + from.cpuSeconds(), gigabits, idleCores);
            }
        } finally {
            if (dut != null) {
                cleanup.close(dut);
            }
            cleanup.close(lan);
            cleanup.close(sw);
        }
    }

    /**
     * One iperf3 TCP run from the peer to the guest ({@code reverse}: from the guest), and the CPU seconds process
     * {@code pid} used during it. The guest's {@code iperf3 -s} closes and reopens its listening socket after each
     * test, and on a loaded TCG guest the run right after another was once refused in that gap (1 of 4 runs on the
     * shared 2-core machine); a refused connection moves no data, so it is retried, and the CPU is metered per attempt
     * so that the pause is not charged to a back-end that polls.
     */
    private static Run iperf3(Netns lan, long pid, int seconds, boolean reverse) throws InterruptedException {
        for (int attempt = 1;; attempt++) {
            CpuMeter cpu = CpuMeter.start(pid);
            try {
                Iperf3.Result r = Iperf3.tcp(lan, GUEST_ADDR, QemuGuest.IPERF3_PORT, Duration.ofSeconds(seconds), 1,
                        reverse, T);
                return new Run(r.bitsPerSecond(), cpu.stop().processSeconds());
            } catch (IllegalStateException e) {
                if (attempt >= REFUSED_ATTEMPTS || !String.valueOf(e.getMessage()).contains("Connection refused")) {
                    throw e;
                }
                System.out.println("bench: iperf3 refused (guest server between tests), retrying");
                Thread.sleep(REFUSED_PAUSE.toMillis());
            }
        }
    }

    /** CPU used by process {@code pid} over {@link #IDLE}, in cores (1.0 is one core busy the whole time). */
    private static double idleCores(long pid) throws InterruptedException {
        long start = System.nanoTime();
        CpuMeter meter = CpuMeter.start(pid);
        Thread.sleep(IDLE.toMillis());
        CpuMeter.Use use = meter.stop();
        return use.processSeconds() / ((System.nanoTime() - start) / 1e9);
    }

    /** A back-end that may be missing could not start: its row is skipped with this reason. */
    private static final class SkipException extends Exception {
        private static final long serialVersionUID = 1L;

        SkipException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
