package io.uniswitch.bench.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PNG charts of a run, one per unit, each with a bar per switch: TCP throughput, UDP 64-byte frame rate, flood
 * ping rate (between namespaces and to the stand-in tender), ping RTT, the RFC 2889 rates and the scaling rows; and
 * two line charts of the RFC 2544 sweep, highest loss-free rate against frame size, in frames/s and in Gbit/s, one
 * line per switch the frame tests measure. Skipped switches are left out.
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
                    List.of(Metric.PING_P50, Metric.PING_P99)),
            new Spec("rfc2889-rates.png", "RFC 2889: learning rate (MACs/s) and loss-free broadcast rate (frames/s)",
                    List.of(Metric.LEARNING_RATE, Metric.BROADCAST_RATE)),
            new Spec("scaling.png", "Loss-free 64-byte rate a->b by ports and FDB entries (frames/s)",
                    List.of(Metric.SCALE_PORTS2, Metric.SCALE_PORTS8, Metric.SCALE_PORTS32, Metric.SCALE_FDB1K,
                            Metric.SCALE_FDB100K)));
    private static final String SWEEP_FRAMES = "rfc2544-frames.png";
    private static final String SWEEP_GBITS = "rfc2544-gbits.png";

    private Charts() {
    }

    /** File names of every chart {@link #write} draws. */
    static List<String> files() {
        List<String> out = new ArrayList<>();
        for (Spec s : SPECS) {
            out.add(s.file());
        }
        out.add(SWEEP_FRAMES);
        out.add(SWEEP_GBITS);
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
        written.addAll(sweep(dir, results));
        return written;
    }

    /** The sweep's two line charts over every size of the sweep that some switch has a figure for. */
    private static List<Path> sweep(Path dir, Results results) throws IOException {
        List<Metric> rows = new ArrayList<>();
        for (int size : FrameTests.SIZES) {
            Metric m = Metric.sweep(size);
            for (Results.Column c : results.columns()) {
                if (!results.samples(m, c.id()).isEmpty() && !rows.contains(m)) {
                    rows.add(m);
                }
            }
        }
        List<String> categories = new ArrayList<>();
        for (Metric m : rows) {
            categories.add(m.frameBytes() + " B");
        }
        List<LineChart.Series> frames = new ArrayList<>();
        List<LineChart.Series> gbits = new ArrayList<>();
        int column = -1;
        for (Results.Column c : results.columns()) {
            if (results.isSkipped(c.id())) {
                continue;
            }
            // The bar charts colour each switch not skipped by its place among them; the lines follow suit.
            column++;
            if (!FrameTests.measures(c.id())) {
                continue;
            }
            double[] f = new double[rows.size()];
            double[] g = new double[rows.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = Results.median(Results.values(results.samples(rows.get(i), c.id())));
                g[i] = f[i] * rows.get(i).frameBytes() * 8 / 1e9;
            }
            frames.add(new LineChart.Series(c.name(), column, f));
            gbits.add(new LineChart.Series(c.name(), column, g));
        }
        String x = "frame size with FCS (RFC 2544; 1518 B = MTU 1500)";
        Path a = dir.resolve(SWEEP_FRAMES);
        LineChart.write(a, "RFC 2544: highest loss-free rate vs frame size (frames/s)", x, categories, frames);
        Path b = dir.resolve(SWEEP_GBITS);
        LineChart.write(b, "RFC 2544: highest loss-free rate vs frame size (Gbit/s, frames x size x 8)", x,
                categories, gbits);
        return List.of(a, b);
    }
}
