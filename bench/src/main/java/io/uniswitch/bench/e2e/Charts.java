package io.uniswitch.bench.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PNG charts of a run, one per unit, each with a bar per switch: TCP throughput, UDP 64-byte frame rate, flood
 * ping rate (between namespaces and to the stand-in tender), ping RTT. Skipped switches are left out.
 */
final class Charts {
    /** One chart: its file name, title and rows. */
    private record Spec(String file, String title, List<Metric> metrics) {
    }

    private static final List<Spec> SPECS = List.of(
            new Spec("tcp.png", "TCP throughput, iperf3 (Gbit/s, higher is better)",
                    List.of(Metric.TCP1_AB, Metric.TCP1_BA, Metric.TCP4_AB, Metric.TCP4_BA)),
            new Spec("udp64.png", "UDP, 64-byte payload, unlimited rate: frames delivered per second",
                    List.of(Metric.UDP64_RATE)),
            new Spec("flood-ping.png", "Flood ping (pings per second, higher is better)",
                    List.of(Metric.FLOOD_RATE, Metric.TENDER_FLOOD_RATE)),
            new Spec("ping-rtt.png", "Ping round-trip time (microseconds, lower is better)",
                    List.of(Metric.PING_P50, Metric.PING_P99)));

    private Charts() {
    }

    /** File names of every chart {@link #write} draws. */
    static List<String> files() {
        List<String> out = new ArrayList<>();
        for (Spec s : SPECS) {
            out.add(s.file());
        }
        return out;
    }

    /** Draws every chart into {@code dir}; returns the files written. */
    static List<Path> write(Path dir, Results results) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Spec spec : SPECS) {
            List<String> categories = new ArrayList<>();
            for (Metric m : spec.metrics()) {
                categories.add(m.label());
            }
            List<BarChart.Series> series = new ArrayList<>();
            for (Results.Column c : results.columns()) {
                if (results.isSkipped(c.id())) {
                    continue;
                }
                int n = spec.metrics().size();
                double[] medians = new double[n];
                double[] mins = new double[n];
                double[] maxs = new double[n];
                for (int i = 0; i < n; i++) {
                    double[] v = Results.values(results.samples(spec.metrics().get(i), c.id()));
                    medians[i] = Results.median(v);
                    mins[i] = Results.min(v);
                    maxs[i] = Results.max(v);
                }
                series.add(new BarChart.Series(c.name(), medians, mins, maxs));
            }
            Path file = dir.resolve(spec.file());
            BarChart.write(file, spec.title(), categories, series);
            written.add(file);
        }
        return written;
    }
}
