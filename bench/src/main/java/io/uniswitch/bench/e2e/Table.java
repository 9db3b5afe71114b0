package io.uniswitch.bench.e2e;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's result as text: one table of medians with their spread and the ratios, one of the CPU time spent during
 * each measurement. ASCII only, so it reads the same in any terminal locale and in CI logs.
 */
final class Table {
    private static final int LABEL = 36;
    private static final int CELL = 17;
    private static final int RATIO = 9;

    private Table() {
    }

    static void print(PrintStream out, Results results, int repeat) {
        List<Results.Column> columns = results.columns();
        List<Results.Ratio> ratios = results.ratios();
        out.println();
        StringBuilder head = new StringBuilder(pad("median of " + repeat, LABEL));
        for (Results.Column c : columns) {
            head.append(right(c.name(), CELL));
        }
        for (Results.Ratio r : ratios) {
            head.append(right(r.label(), RATIO));
        }
        out.println(head);
        for (Metric m : Metric.values()) {
            StringBuilder row = new StringBuilder(pad(m.label() + " " + m.unit(), LABEL));
            for (Results.Column c : columns) {
                row.append(right(cell(results, m, c), CELL));
            }
            for (Results.Ratio r : ratios) {
                double q = results.ratio(m, r);
                row.append(right(Double.isNaN(q) ? "-" : String.format(Locale.ROOT, "%.2f", q), RATIO));
            }
            out.println(row);
        }
        if (repeat > 1) {
            out.println("+/-: half the range of the repeats, relative to the median (loss rows: in percentage points)");
        }
        if (!ratios.isEmpty()) {
            StringBuilder legend = new StringBuilder("ratios of medians:");
            for (Results.Ratio r : ratios) {
                legend.append(' ').append(r.label()).append(" = ").append(r.numerator().name()).append(" / ")
                        .append(r.denominator().name()).append(';');
            }
            out.println(legend.substring(0, legend.length() - 1) + " (for rtt lower is better)");
        }
        boolean frames = false;
        for (Results.Column c : columns) {
            frames |= FrameTests.measures(c.id());
        }
        if (frames) {
            out.println("frame tests: sizes include the 4-byte FCS, as RFC 2544 counts them (trafgen writes size - 4"
                    + " bytes; 1518 is the MTU-sized frame, 1514 bytes at MTU 1500); Gbit/s = frames/s x size x 8;");
            out.println("  capacity: MACs taught from one port that are all learned (default FDB limits); learning:"
                    + " the highest rate at which 1000 new MACs are all learned; \"-\": not measured for that switch");
        }
        printCpu(out, results);
        for (Map.Entry<String, String> e : results.skipped().entrySet()) {
            out.println(results.column(e.getKey()).name() + " skipped: " + e.getValue());
        }
        for (String note : results.notes()) {
            out.println("note: " + note);
        }
        for (String failure : results.failures()) {
            out.println("failed: " + failure);
        }
    }

    private static void printCpu(PrintStream out, Results results) {
        out.println();
        StringBuilder head = new StringBuilder(pad("cpu s per traffic run, median", LABEL));
        for (Results.Column c : results.columns()) {
            head.append(right(c.name(), CELL));
        }
        out.println(head);
        String previousRun = "";
        for (Metric m : Metric.values()) {
            if (m.run().equals(previousRun)) {
                continue;
            }
            previousRun = m.run();
            StringBuilder row = new StringBuilder(pad(m.run(), LABEL));
            for (Results.Column c : results.columns()) {
                List<Results.Sample> s = results.samples(m, c.id());
                String text = "-";
                if (!s.isEmpty()) {
                    text = format(Results.median(Results.cpuProcess(s))) + " / "
                            + format(Results.median(Results.cpuKernel(s)));
                }
                row.append(right(text, CELL));
            }
            out.println(row);
        }
        out.println("cpu: switch process (utime+stime of uniswitch's java, ovs-vswitchd) / whole host system+softirq"
                + " (/proc/stat; the kernel bridge's only figure, and it includes the endpoints' network stacks)");
    }

    private static String cell(Results results, Metric m, Results.Column c) {
        if (!Results.applies(m, c.id()) || results.isSkipped(c.id())) {
            return "-";
        }
        double[] v = Results.values(results.samples(m, c.id()));
        double median = Results.median(v);
        if (Double.isNaN(median)) {
            return v.length == 0 ? "-" : "failed";
        }
        String text = format(median);
        int finite = (int) Arrays.stream(v).filter(Double::isFinite).count();
        if (finite > 1) {
            double half = (Results.max(v) - Results.min(v)) / 2;
            if (m.isLoss()) {
                text += " +/-" + format(half);
            } else if (median != 0) {
                text += String.format(Locale.ROOT, " +/-%.0f%%", 100 * half / Math.abs(median));
            }
        }
        return text;
    }

    /** A figure with precision that suits its size: 5.38, 77.0, 312345; "-" for NaN. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        String pattern = a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, pattern, v);
    }

    private static String pad(String s, int width) {
        return String.format(Locale.ROOT, "%-" + width + "s", s);
    }

    private static String right(String s, int width) {
        return String.format(Locale.ROOT, " %" + (width - 1) + "s", s);
    }
}
