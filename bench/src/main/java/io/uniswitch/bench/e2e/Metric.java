package io.uniswitch.bench.e2e;

/**
 * One row of the benchmark: what is measured, by which traffic run, its unit, and which way is better. The ids are
 * the JSON keys and stay stable across releases; the labels are for the table and the charts.
 */
enum Metric {
    TCP1_AB("tcp1_ab", "tcp 1 stream a->b", "tcp 1 stream a->b", "Gbit/s", true, Scenario.SWITCHES),
    TCP1_BA("tcp1_ba", "tcp 1 stream b->a", "tcp 1 stream b->a", "Gbit/s", true, Scenario.SWITCHES),
    TCP4_AB("tcp4_ab", "tcp 4 streams a->b", "tcp 4 streams a->b", "Gbit/s", true, Scenario.SWITCHES),
    TCP4_BA("tcp4_ba", "tcp 4 streams b->a", "tcp 4 streams b->a", "Gbit/s", true, Scenario.SWITCHES),
    UDP64_RATE("udp64_rate", "udp 64 B a->b delivered", "udp 64 B a->b", "frames/s", true, Scenario.SWITCHES),
    UDP64_LOSS("udp64_loss", "udp 64 B a->b loss", "udp 64 B a->b", "%", false, Scenario.SWITCHES),
    PING_P50("ping_p50", "ping rtt p50", "ping rtt", "us", false, Scenario.SWITCHES),
    PING_P99("ping_p99", "ping rtt p99", "ping rtt", "us", false, Scenario.SWITCHES),
    FLOOD_RATE("flood_rate", "flood ping a->b", "flood ping a->b", "pings/s", true, Scenario.SWITCHES),
    FLOOD_LOSS("flood_loss", "flood ping a->b loss", "flood ping a->b", "%", false, Scenario.SWITCHES),
    TENDER_FLOOD_RATE("tender_flood_rate", "flood ping to tender", "flood ping to tender", "pings/s", true,
            Scenario.TENDER),
    TENDER_FLOOD_LOSS("tender_flood_loss", "flood ping to tender loss", "flood ping to tender", "%", false,
            Scenario.TENDER);

    /** Where a row is measured: between two namespaces through each switch, or to the stand-in tender's tap. */
    enum Scenario {
        SWITCHES,
        TENDER
    }

    private final String id;
    private final String label;
    private final String run;
    private final String unit;
    private final boolean higherIsBetter;
    private final Scenario scenario;

    Metric(String id, String label, String run, String unit, boolean higherIsBetter, Scenario scenario) {
        this.id = id;
        this.label = label;
        this.run = run;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.scenario = scenario;
    }

    String id() {
        return id;
    }

    String label() {
        return label;
    }

    /** The traffic run that gives this row; rows of one run (rate and loss, p50 and p99) share its CPU window. */
    String run() {
        return run;
    }

    String unit() {
        return unit;
    }

    boolean higherIsBetter() {
        return higherIsBetter;
    }

    Scenario scenario() {
        return scenario;
    }

    /** Loss rows are percentages of what was sent; a ratio of two of them means nothing, so none is printed. */
    boolean isLoss() {
        return "%".equals(unit);
    }
}
