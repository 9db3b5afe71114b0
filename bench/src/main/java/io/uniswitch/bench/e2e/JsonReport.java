package io.uniswitch.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Writes a run's {@link Results} as one JSON document (schema {@value #SCHEMA}), by hand so the bench needs no JSON
 * library. Every row of {@link Metric} is present; per switch it holds every sample, median, min, max and the CPU
 * seconds of each sample's window; a figure that is not finite is written as {@code null}.
 *
 * <pre>
 * {"schema": "uniswitch-bench/1", "started": "...", "finished": "...", "host": {...}, "settings": {...},
 *  "cpu": {"process": "...", "kernel": "..."},
 *  "switches": [{"id": "bridge", "name": "kernel bridge", "offloads": "off", "cpu_process": false,
 *                "skipped": null}, ...],
 *  "rows": [{"id": "tcp1_ab", "label": "...", "unit": "Gbit/s", "better": "higher", "scenario": "switches",
 *            "results": {"bridge": {"samples": [..], "median": .., "min": .., "max": ..,
 *                                   "cpu_process_s": [..], "cpu_kernel_s": [..]}, ...},
 *            "ratios": {"uniswitch/bridge": 0.41, ...}}, ...],
 *  "notes": ["..."], "failures": ["..."]}
 * </pre>
 */
final class JsonReport {
    static final String SCHEMA = "uniswitch-bench/1";

    private final StringBuilder out = new StringBuilder();

    private JsonReport() {
    }

    /** Writes the report to {@code file}, creating its directory. */
    static void write(Path file, BenchOptions options, Results results, Instant started, Instant finished)
            throws IOException {
        JsonReport j = new JsonReport();
        j.report(options, results, started, finished);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, j.out);
    }

    private void report(BenchOptions o, Results results, Instant started, Instant finished) {
        out.append("{\n");
        field(1, "schema").append(string(SCHEMA)).append(",\n");
        field(1, "started").append(string(started.toString())).append(",\n");
        field(1, "finished").append(string(finished.toString())).append(",\n");
        field(1, "host").append("{\"cores\": ").append(Runtime.getRuntime().availableProcessors())
                .append(", \"arch\": ").append(string(System.getProperty("os.arch")))
                .append(", \"kernel\": ").append(string(System.getProperty("os.version")))
                .append(", \"java\": ").append(string(System.getProperty("java.version"))).append("},\n");
        field(1, "settings").append("{\"quick\": ").append(o.quick())
                .append(", \"repeat\": ").append(o.repeat())
                .append(", \"iperf3_seconds\": ").append(o.seconds())
                .append(", \"pings\": ").append(o.pings())
                .append(", \"ping_interval_s\": ").append(number(o.pingInterval().toNanos() / 1e9))
                .append(", \"flood_count\": ").append(o.floodCount())
                .append(", \"udp_payload_bytes\": 64");
        FrameTests.Settings f = o.frameSettings();
        out.append(", \"frames\": {\"sweep\": ").append(f.sweep())
                .append(", \"rfc2889\": ").append(f.rfc2889())
                .append(", \"scaling\": ").append(f.scaling())
                .append(", \"sizes_with_fcs_bytes\": ").append(f.sizes())
                .append(", \"trial_s\": ").append(number(f.trial().toMillis() / 1000.0))
                .append(", \"loss_tolerance_percent\": ").append(number(f.lossTolerancePercent()))
                .append(", \"resolution_of_rate\": ").append(number(f.resolution()))
                .append(", \"max_trials\": ").append(f.maxTrials())
                .append(", \"capacity_max_macs\": ").append(f.capacityMax())
                .append(", \"learning_macs\": ").append(f.learnMacs())
                .append(", \"teach_pps\": ").append(f.teachPps())
                .append(", \"scaling_fdb_entries\": [").append(f.fdbSmall()).append(", ").append(f.fdbLarge())
                .append("], \"ethertype\": \"0x88b5\"}},\n");
        field(1, "cpu").append("{\"process\": ").append(string("utime+stime of the switch process "
                + "(/proc/PID/stat): uniswitch's java, ovs-vswitchd; null for the kernel bridge"))
                .append(", \"kernel\": ").append(string("system+softirq of the whole host (/proc/stat), "
                + "including the endpoints' network stacks")).append("},\n");
        field(1, "switches").append("[\n");
        List<Results.Column> columns = results.columns();
        for (int i = 0; i < columns.size(); i++) {
            Results.Column c = columns.get(i);
            String reason = results.skipped().get(c.id());
            indent(2).append("{\"id\": ").append(string(c.id())).append(", \"name\": ").append(string(c.name()))
                    .append(", \"offloads\": ").append(string(c.offloadsOff() ? "off" : "default"))
                    .append(", \"cpu_process\": ").append(!c.kernel())
                    .append(", \"skipped\": ").append(reason == null ? "null" : string(reason)).append('}')
                    .append(i + 1 < columns.size() ? ",\n" : "\n");
        }
        indent(1).append("],\n");
        field(1, "rows").append("[\n");
        Metric[] metrics = Metric.values();
        for (int i = 0; i < metrics.length; i++) {
            row(metrics[i], results);
            out.append(i + 1 < metrics.length ? ",\n" : "\n");
        }
        indent(1).append("],\n");
        field(1, "notes").append('[');
        List<String> notes = results.notes();
        for (int i = 0; i < notes.size(); i++) {
            out.append(i > 0 ? ", " : "").append(string(notes.get(i)));
        }
        out.append("],\n");
        field(1, "failures").append('[');
        List<String> failures = results.failures();
        for (int i = 0; i < failures.size(); i++) {
            out.append(i > 0 ? ", " : "").append(string(failures.get(i)));
        }
        out.append("]\n}\n");
    }

    private void row(Metric m, Results results) {
        indent(2).append("{\"id\": ").append(string(m.id())).append(", \"label\": ").append(string(m.label()))
                .append(", \"unit\": ").append(string(m.unit()))
                .append(", \"better\": ").append(string(m.higherIsBetter() ? "higher" : "lower"))
                .append(", \"scenario\": ").append(string(m.scenario().name().toLowerCase(Locale.ROOT)))
                .append(",\n");
        field(3, "results").append("{");
        boolean first = true;
        for (Results.Column c : results.columns()) {
            if (!Results.applies(m, c.id())) {
                continue;
            }
            List<Results.Sample> s = results.samples(m, c.id());
            double[] v = Results.values(s);
            out.append(first ? "\n" : ",\n");
            first = false;
            field(4, c.id()).append("{\"samples\": ").append(array(v))
                    .append(", \"median\": ").append(number(Results.median(v)))
                    .append(", \"min\": ").append(number(Results.min(v)))
                    .append(", \"max\": ").append(number(Results.max(v)))
                    .append(", \"cpu_process_s\": ").append(array(Results.cpuProcess(s)))
                    .append(", \"cpu_kernel_s\": ").append(array(Results.cpuKernel(s))).append('}');
        }
        out.append(first ? "},\n" : "\n" + " ".repeat(6) + "},\n");
        field(3, "ratios").append('{');
        first = true;
        for (Results.Ratio r : results.ratios()) {
            double q = results.ratio(m, r);
            if (Double.isFinite(q)) {
                out.append(first ? "" : ", ").append(string(r.key())).append(": ").append(number(q));
                first = false;
            }
        }
        out.append("}}");
    }

    private StringBuilder indent(int level) {
        return out.append(" ".repeat(2 * level));
    }

    private StringBuilder field(int level, String name) {
        return indent(level).append(string(name)).append(": ");
    }

    private static String array(double[] values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            s.append(i > 0 ? ", " : "").append(number(values[i]));
        }
        return s.append(']').toString();
    }

    /** A finite double as JSON (plain decimal, no exponent); null otherwise, since JSON has no NaN. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return "null";
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
    }

    /** A JSON string literal: quotes, backslashes and control characters escaped. */
    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
