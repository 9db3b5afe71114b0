package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Iperf3;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.QemuGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The same QEMU Linux guest attached to uniswitch two ways, in one run: on a {@code vhost-user} port (the switch
 * serves the virtio-net device) and on a {@code qemu} stream port (QEMU's own virtio-net back-end, frames over a unix
 * socket). For each: iperf3 TCP from a namespace peer to the guest and back, and the switch process's CPU seconds per
 * gigabit moved. A TCG guest (on machines whose KVM cannot boot Linux) is far slower than the switch, so the
 * throughput is the guest's; the CPU per gigabit is the switch's cost of each attachment.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.uniswitch.bench.e2e.VmAttachments [--jar PATH] [--seconds N]}
 * (root). Everything it creates is removed at the end, also on failure.
 */
public final class VmAttachments {
    private static final String GUEST_ADDR = "10.0.0.2";
    private static final String PEER_ADDR = "10.0.0.3";
    private static final Duration T = Duration.ofSeconds(120);

    private VmAttachments() {
    }

    private record Row(String attachment, double toGuestMbps, double fromGuestMbps, double switchCpuSeconds,
            double gigabits) {
        double cpuPerGigabit() {
            return switchCpuSeconds / gigabits;
        }
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("daemon/target/uniswitch.jar");
        int seconds = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: VmAttachments [--jar PATH] [--seconds N]");
                    System.exit(2);
                }
            }
        }
        Cleanup cleanup = new Cleanup();
        Runtime.getRuntime().addShutdownHook(new Thread(cleanup::closeAll));
        try {
            Path dir = Files.createTempDirectory("uniswitch-vm-bench-");
            Row vhost = measure("vhost-user", jar, dir, seconds, cleanup, true);
            Row stream = measure("qemu stream", jar, dir, seconds, cleanup, false);
            System.out.printf(Locale.ROOT, "%-12s %14s %14s %12s %16s%n", "attachment", "to guest Mb/s",
                    "from guest Mb/s", "switch cpu s", "cpu s per Gbit");
            for (Row r : List.of(vhost, stream)) {
                System.out.printf(Locale.ROOT, "%-12s %14.0f %14.0f %12.2f %16.2f%n", r.attachment(),
                        r.toGuestMbps(), r.fromGuestMbps(), r.switchCpuSeconds(), r.cpuPerGigabit());
            }
            System.out.printf(Locale.ROOT, "vhost-user / stream: throughput %.2fx / %.2fx, cpu per Gbit %.2fx%n",
                    vhost.toGuestMbps() / stream.toGuestMbps(), vhost.fromGuestMbps() / stream.fromGuestMbps(),
                    vhost.cpuPerGigabit() / stream.cpuPerGigabit());
        } finally {
            cleanup.closeAll();
        }
    }

    private static Row measure(String name, Path jar, Path dir, int seconds, Cleanup cleanup, boolean vhostUser)
            throws Exception {
        String tag = Names.unique("uv");
        Netns sw = cleanup.add(Netns.create(tag + "s"));
        Netns lan = cleanup.add(Netns.create(tag + "l"));
        TwoHosts.join(sw, "eth0", lan, PEER_ADDR + "/24", true);
        Path socket = dir.resolve(tag + ".sock");
        String vmPort = vhostUser ? "{name: vm0, type: vhost-user, socket: " + socket + "}"
                : "{name: vm0, type: qemu, socket: " + socket + ", mode: stream}";
        Uniswitch uni = cleanup.add(new Uniswitch(jar, List.of(), List.of(vmPort, "{name: eth0, type: netdev}"),
                false));
        uni.start(sw);
        QemuGuest.Options opts = (vhostUser ? QemuGuest.Options.ofVhostUser(socket, GUEST_ADDR + "/24")
                : QemuGuest.Options.ofStream(socket, GUEST_ADDR + "/24")).withNetns(sw)
                .withConsoleLog(dir.resolve(tag + "-console.log"));
        try (QemuGuest guest = QemuGuest.start(opts)) {
            System.out.println("bench: " + name + ": guest up (" + guest.accelUsed() + "), iperf3 " + seconds
                    + " s each way");
            CpuMeter cpu = CpuMeter.start(uni.pid());
            Iperf3.Result to = Iperf3.tcp(lan, GUEST_ADDR, QemuGuest.IPERF3_PORT, Duration.ofSeconds(seconds), 1,
                    false, T);
            Iperf3.Result from = Iperf3.tcp(lan, GUEST_ADDR, QemuGuest.IPERF3_PORT, Duration.ofSeconds(seconds), 1,
                    true, T);
            CpuMeter.Use use = cpu.stop();
            double gigabits = (to.bitsPerSecond() + from.bitsPerSecond()) * seconds / 1e9;
            return new Row(name, to.bitsPerSecond() / 1e6, from.bitsPerSecond() / 1e6, use.processSeconds(),
                    gigabits);
        } finally {
            cleanup.close(uni);
            cleanup.close(lan);
            cleanup.close(sw);
        }
    }
}
