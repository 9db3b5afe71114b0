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
            Scenario.TENDER),
    SWEEP_64("rfc2544_64", "loss-free 64 B a->b", "rfc2544 64 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_128("rfc2544_128", "loss-free 128 B a->b", "rfc2544 128 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_256("rfc2544_256", "loss-free 256 B a->b", "rfc2544 256 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_512("rfc2544_512", "loss-free 512 B a->b", "rfc2544 512 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_1024("rfc2544_1024", "loss-free 1024 B a->b", "rfc2544 1024 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_1280("rfc2544_1280", "loss-free 1280 B a->b", "rfc2544 1280 B", "frames/s", true, Scenario.SWEEP),
    SWEEP_1518("rfc2544_1518", "loss-free 1518 B (MTU) a->b", "rfc2544 1518 B", "frames/s", true, Scenario.SWEEP),
    CAPACITY("rfc2889_capacity", "address caching capacity", "rfc2889 capacity", "MACs", true, Scenario.RFC2889),
    LEARNING_RATE("rfc2889_learning_rate", "address learning rate", "rfc2889 learning", "MACs/s", true,
            Scenario.RFC2889),
    BROADCAST_RATE("rfc2889_broadcast", "loss-free broadcast 64 B a->b,c", "rfc2889 broadcast", "frames/s", true,
            Scenario.RFC2889),
    SCALE_PORTS2("scale_ports2", "loss-free 64 B, 2 ports", "scale 2 ports", "frames/s", true, Scenario.SCALING),
    SCALE_PORTS8("scale_ports8", "loss-free 64 B, 8 ports", "scale 8 ports", "frames/s", true, Scenario.SCALING),
    SCALE_PORTS32("scale_ports32", "loss-free 64 B, 32 ports", "scale 32 ports", "frames/s", true,
            Scenario.SCALING),
    SCALE_FDB1K("scale_fdb1k", "loss-free 64 B, 8 ports, 1k fdb", "scale 1k fdb", "frames/s", true,
            Scenario.SCALING),
    SCALE_FDB100K("scale_fdb100k", "loss-free 64 B, 8 ports, 100k fdb", "scale 100k fdb", "frames/s", true,
            Scenario.SCALING);

    /** Where a row is measured: between two namespaces through each switch, or to the stand-in tender's tap. */
    enum Scenario {
        SWITCHES,
        TENDER,
        /** RFC 2544 frame-size sweep between two namespaces, with trafgen ({@link FrameTests}). */
        SWEEP,
        /** RFC 2889 learning-switch figures on three namespaces ({@link FrameTests}). */
        RFC2889,
        /** The 64-byte loss-free rate with more ports and a filled FDB ({@link FrameTests}). */
        SCALING
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

    /** The sweep row of a frame size (FCS included, as RFC 2544 counts it), or null for another size. */
    static Metric sweep(int frameBytes) {
        for (Metric m : values()) {
            if (m.scenario == Scenario.SWEEP && m.id.equals("rfc2544_" + frameBytes)) {
                return m;
            }
        }
        return null;
    }

    /** The frame size of a sweep row (FCS included). */
    int frameBytes() {
        if (scenario != Scenario.SWEEP) {
            throw new IllegalStateException(id + " is not a sweep row");
        }
        return Integer.parseInt(id.substring("rfc2544_".length()));
    }

    /** Loss rows are percentages of what was sent; a ratio of two of them means nothing, so none is printed. */
    boolean isLoss() {
        return "%".equals(unit);
    }
}
