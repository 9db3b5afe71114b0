package io.uniswitch.bench.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every sample of a run, by row and switch, with the CPU time of its measurement window; skip reasons and
 * measurement failures. The table, the JSON report and the charts all read from here, so they always agree.
 *
 * <p>Written and read by the benchmark's main thread only.
 */
final class Results {
    /** One measurement: the figure (NaN when it failed) and the CPU seconds used while it ran ({@link CpuMeter}). */
    record Sample(double value, double cpuProcessSeconds, double cpuKernelSeconds) {
    }

    /** A switch as the report names it; {@code kernel} is true when it has no process whose CPU time is measured. */
    record Column(String id, String name, String shortName, boolean offloadsOff, boolean kernel) {
    }

    /** A ratio column: the median of {@code numerator} over that of {@code denominator}. */
    record Ratio(Column numerator, Column denominator) {
        String label() {
            return numerator.shortName() + "/" + denominator.shortName();
        }

        String key() {
            return numerator.id() + "/" + denominator.id();
        }
    }

    private final List<Column> columns;
    private final Map<Metric, Map<String, List<Sample>>> samples = new EnumMap<>(Metric.class);
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Results(List<Column> columns) {
        this.columns = List.copyOf(columns);
        for (Metric m : Metric.values()) {
            Map<String, List<Sample>> byColumn = new LinkedHashMap<>();
            for (Column c : columns) {
                byColumn.put(c.id(), new ArrayList<>());
            }
            samples.put(m, byColumn);
        }
    }

    List<Column> columns() {
        return columns;
    }

    Column column(String id) {
        for (Column c : columns) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }

    void add(Metric metric, String columnId, Sample sample) {
        samples.get(metric).get(columnId).add(sample);
    }

    List<Sample> samples(Metric metric, String columnId) {
        return samples.get(metric).get(columnId);
    }

    /** True when the row is measured for this switch at all (the tender rows only for the bridge and uniswitch). */
    static boolean applies(Metric metric, String columnId) {
        return switch (metric.scenario()) {
            case SWITCHES -> true;
            case TENDER -> TenderFlood.measures(columnId);
            case SWEEP, RFC2889, SCALING -> FrameTests.measures(columnId);
        };
    }

    /** Marks a switch skipped with its reason, and drops what it measured before (a partial column misleads). */
    void skip(String columnId, String reason) {
        skipped.put(columnId, reason);
        for (Map<String, List<Sample>> byColumn : samples.values()) {
            byColumn.get(columnId).clear();
        }
    }

    boolean isSkipped(String columnId) {
        return skipped.containsKey(columnId);
    }

    Map<String, String> skipped() {
        return skipped;
    }

    /** A remark that qualifies a figure (a bound reached, FDB entries not all learned); printed and in the JSON. */
    void note(String message) {
        if (!notes.contains(message)) {
            notes.add(message);
        }
    }

    List<String> notes() {
        return notes;
    }

    void fail(String message) {
        failures.add(message);
    }

    List<String> failures() {
        return failures;
    }

    /**
     * Ratios worth printing: uniswitch to every other switch, and the scraped uniswitch to the plain one. A ratio is
     * the plain quotient of medians, so for RTT lower is better.
     */
    List<Ratio> ratios() {
        List<Ratio> out = new ArrayList<>();
        Column uni = column("uniswitch");
        if (uni != null) {
            for (Column c : columns) {
                if (c != uni && !c.id().equals("uniswitch-scraped") && !c.id().equals("uniswitch-vnet")) {
                    out.add(new Ratio(uni, c));
                }
            }
            Column vnet = column("uniswitch-vnet");
            if (vnet != null) {
                // Like for like: vnet mode keeps the offloads on, as the kernel bridge with its defaults does.
                for (String other : new String[] {"bridge-offloads", "bridge", "ovs"}) {
                    Column c = column(other);
                    if (c != null) {
                        out.add(new Ratio(vnet, c));
                    }
                }
            }
            Column scraped = column("uniswitch-scraped");
            if (scraped != null) {
                out.add(new Ratio(scraped, uni));
            }
        }
        return out;
    }

    /** The ratio of medians, NaN where either side has no finite figure, the denominator is 0, or the row is a loss. */
    double ratio(Metric metric, Ratio ratio) {
        if (metric.isLoss()) {
            return Double.NaN;
        }
        double num = median(values(samples(metric, ratio.numerator().id())));
        double den = median(values(samples(metric, ratio.denominator().id())));
        return den > 0 && Double.isFinite(num) && Double.isFinite(den) ? num / den : Double.NaN;
    }

    static double[] values(List<Sample> samples) {
        double[] v = new double[samples.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = samples.get(i).value();
        }
        return v;
    }

    static double[] cpuProcess(List<Sample> samples) {
        double[] v = new double[samples.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = samples.get(i).cpuProcessSeconds();
        }
        return v;
    }

    static double[] cpuKernel(List<Sample> samples) {
        double[] v = new double[samples.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = samples.get(i).cpuKernelSeconds();
        }
        return v;
    }

    /** Median of the finite values; NaN when there is none. */
    static double median(double[] values) {
        double[] s = finiteSorted(values);
        int n = s.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] values) {
        double[] s = finiteSorted(values);
        return s.length == 0 ? Double.NaN : s[0];
    }

    static double max(double[] values) {
        double[] s = finiteSorted(values);
        return s.length == 0 ? Double.NaN : s[s.length - 1];
    }

    private static double[] finiteSorted(double[] values) {
        double[] s = Arrays.stream(values).filter(Double::isFinite).toArray();
        Arrays.sort(s);
        return s;
    }
}
