package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Names;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Ping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The tender scenario (issue #3): the stand-in tender on tap {@code tap100} at 10.0.0.2, and a namespace peer
 * {@code lan} at 10.0.0.1 on a veth whose switch end is {@code up0}, flood-pinging the tender through
 * <ul>
 *   <li>uniswitch, with {@code tap100} as a {@code type: tender} port in mode tap (the switch provisions the tap and
 *       turns its offloads off; the tender attaches to it by name), and {@code up0} a netdev port;
 *   <li>the kernel bridge, with the same tap made by {@code ip tuntap}, offloads off, and {@code up0} enslaved.
 * </ul>
 * Offloads are off on both veth ends for both switches. Namespaces and processes are registered with the run's
 * {@link Cleanup} and removed after each measurement, also on failure.
 */
final class TenderFlood {
    static final String TAP = "tap100";
    static final String TENDER_MAC = "02:00:00:00:01:00";
    private static final String TENDER_ADDR = "10.0.0.2";
    private static final Duration T = Duration.ofSeconds(30);

    private final Path binary;
    private final Path workDir;
    private final Path jar;
    private final List<String> javaOpts;
    private final Measurements measurements;
    private final Cleanup cleanup;

    TenderFlood(Path binary, Path workDir, Path jar, List<String> javaOpts, Measurements measurements,
            Cleanup cleanup) {
        this.binary = binary;
        this.workDir = workDir;
        this.jar = jar;
        this.javaOpts = List.copyOf(javaOpts);
        this.measurements = measurements;
        this.cleanup = cleanup;
    }

    /** The switches this scenario measures: the kernel bridge with offloads off, and uniswitch. */
    static boolean measures(String columnId) {
        return "bridge".equals(columnId) || "uniswitch".equals(columnId);
    }

    /** One flood ping to the tender through switch {@code columnId} ({@link #measures}); throws if it cannot run. */
    void run(String columnId, int repeat) throws Exception {
        String tag = Names.unique("ut");
        Netns sw = cleanup.add(Netns.create(tag + "s"));
        try {
            Netns lan = cleanup.add(Netns.create(tag + "l"));
            try {
                TwoHosts.join(sw, "up0", lan, Measurements.A_ADDR + "/24", true);
                Dut dut = cleanup.add(dut(sw, columnId));
                try {
                    dut.start(sw);
                    StandinTender tender = cleanup.add(StandinTender.start(sw, binary,
                            workDir.resolve("tender-" + columnId + ".log"), "--net=" + TAP,
                            "--ipv4=" + TENDER_ADDR + "/24", "--mac=" + TENDER_MAC));
                    try {
                        Ping.Stats warm = Ping.run(lan, TENDER_ADDR, 3, Duration.ofMillis(100), 56, T);
                        if (warm.received() == 0) {
                            throw new IllegalStateException("no ping reply from the tender through " + dut.name()
                                    + "; tender log: " + tender.log());
                        }
                        measurements.floodToTender(lan, TENDER_ADDR, dut, repeat);
                    } finally {
                        cleanup.close(tender);
                    }
                } finally {
                    cleanup.close(dut);
                }
            } finally {
                cleanup.close(lan);
            }
        } finally {
            cleanup.close(sw);
        }
    }

    private Dut dut(Netns sw, String columnId) {
        if ("bridge".equals(columnId)) {
            Links.tap(sw, TAP);
            Links.offloadsOff(sw, TAP);
            Links.up(sw, TAP);
            return new KernelBridge(true, List.of("up0", TAP));
        }
        if ("uniswitch".equals(columnId)) {
            return new Uniswitch(jar, javaOpts, List.of("{name: up0, type: netdev}",
                    "{name: " + TAP + ", type: tender, mode: tap, mtu: 1500, mac: " + TENDER_MAC + "}"), false);
        }
        throw new IllegalArgumentException("the tender scenario does not measure " + columnId);
    }
}
