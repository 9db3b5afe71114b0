package io.uniswitch.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.uniswitch.bridge.engine.DropReason;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.engine.SwitchCounters;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.port.Port;
import io.uniswitch.bridge.port.PortCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus meters of one switch, in a {@link PrometheusMeterRegistry} this object owns.
 *
 * <p>Invariant: nothing here runs per frame. Every meter is a {@link FunctionCounter} or {@link Gauge} that reads,
 * at scrape time, the plain counter fields the loop thread alone writes ({@link PortCounters},
 * {@link SwitchCounters}, the FDB's size). A volatile or atomic counter would cost the data plane on every frame
 * (Micrometer's own {@code Counter.increment()} measured 17 ns against 0.5 ns for a single-writer field,
 * NATIVE-IO-NOTES.md section 6); the price is that a scrape races with the loop and may see a value a few batches
 * old, which a rate over seconds does not notice. (Plain 64-bit reads do not tear on the 64-bit JVMs we run on.)
 *
 * <p>Labels: per-port series carry {@code port} (the port's unique name) and {@code type} (tap, netdev, ...); drops
 * add {@code reason} ({@link DropReason#label()}), one series per reason, zeros included, so a rate exists before
 * the first drop. There is no {@code switch} label: one process runs one switch, and Prometheus already tells
 * processes apart by {@code instance}. The switch name appears once, on {@code uniswitch_build_info}, for joins.
 *
 * <p>Lifetime: each bind method registers meters and keeps a strong reference to the object they read, because
 * Micrometer's function meters hold theirs weakly and would report NaN once a caller's lambda was collected. The
 * matching unbind removes the meters from the registry, so their series vanish from the next scrape, and drops the
 * reference. Binding a port name (or a tender restart counter) again replaces the earlier binding: a port that is
 * re-created under its old name starts its counters again from 0, which {@code rate()} treats as a counter reset.
 *
 * <p>Thread: bind and unbind methods may be called from any control thread (they synchronize on this object);
 * {@link #scrape} from any thread, concurrently with them.
 */
public final class SwitchMetrics implements AutoCloseable {
    /** The Prometheus text format, the default for scrapers that do not ask for OpenMetrics. */
    public static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics, for scrapers whose Accept header names {@code application/openmetrics-text}. */
    public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final String OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text";
    private static final String TAG_PORT = "port";
    private static final String TAG_TYPE = "type";
    private static final String TAG_REASON = "reason";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String switchName;
    private final String version;
    /** Guarded by this; each binding holds the object its meters read, and the meters to remove. */
    private final Map<String, Binding> ports = new HashMap<>();
    private final Map<String, Binding> tenderRestarts = new HashMap<>();
    private Binding engine;
    private Binding loopBusyRatio;

    /**
     * @param switchName the switch's name from the config, shown on {@code uniswitch_build_info}
     * @param version the uniswitch version, shown on {@code uniswitch_build_info}
     */
    public SwitchMetrics(String switchName, String version) {
        this.switchName = requireText(switchName, "switchName");
        this.version = requireText(version, "version");
        Gauge.builder("uniswitch.build.info", () -> 1)
                .description("Always 1; the labels name the switch, the uniswitch version and the Java runtime.")
                .tags("switch", this.switchName, "version", this.version, "java", Runtime.version().toString())
                .register(registry);
    }

    public String switchName() {
        return switchName;
    }

    public String version() {
        return version;
    }

    /**
     * Registers the switch-wide meters of an engine: FDB size and events, flooded and unicast frames, drops by
     * reason over all attached ports, and the number of attached ports. Replaces an engine bound before.
     */
    public synchronized void bindEngine(ForwardingEngine engine) {
        Objects.requireNonNull(engine, "engine");
        remove(this.engine);
        final SwitchCounters c = engine.counters();
        final Fdb fdb = engine.fdb();
        final List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("uniswitch.fdb.entries", fdb, Fdb::size)
                .description("FDB entries, live and expired but not yet swept; what the capacity limit counts.")
                .baseUnit("entries").register(registry));
        meters.add(Gauge.builder("uniswitch.fdb.max.entries", fdb, Fdb::maxEntries)
                .description("FDB capacity: learning beyond it is refused.")
                .baseUnit("entries").register(registry));
        meters.add(counter("uniswitch.fdb.learned", c, SwitchCounters::fdbLearned,
                "MAC addresses learned as new FDB entries."));
        meters.add(counter("uniswitch.fdb.moved", c, SwitchCounters::fdbMoved,
                "Learned FDB entries moved to another port because their source MAC appeared there."));
        meters.add(counter("uniswitch.fdb.aged", c, SwitchCounters::fdbAged,
                "Learned FDB entries removed because their source was not seen within the ageing time."));
        meters.add(counter("uniswitch.fdb.refused", c, SwitchCounters::fdbRefused,
                "Source MACs not learned because the FDB or the port's share of it was full."));
        meters.add(counter("uniswitch.fdb.static.move.refused", c, SwitchCounters::fdbStaticMoveRefused,
                "Source MACs seen on another port than their static FDB entry's; the entry stayed."));
        meters.add(FunctionCounter.builder("uniswitch.flooded.frames", c, SwitchCounters::floodedFrames)
                .description("Frames flooded to every other up port: broadcast, multicast and unknown unicast.")
                .register(registry));
        meters.add(FunctionCounter.builder("uniswitch.unicast.frames", c, SwitchCounters::unicastFrames)
                .description("Frames forwarded to the one port their destination MAC was learned on.")
                .register(registry));
        for (DropReason reason : DropReason.values()) {
            meters.add(FunctionCounter.builder("uniswitch.drops", c, s -> s.dropCount(reason))
                    .description("Frames dropped by the switch's ports while attached, by reason; unlike "
                            + "uniswitch_port_drops_total it keeps the drops of ports that were removed.")
                    .tags(TAG_REASON, reason.label()).register(registry));
        }
        meters.add(Gauge.builder("uniswitch.ports", engine, ForwardingEngine::portCount)
                .description("Ports attached to the switch.").register(registry));
        this.engine = new Binding(engine, meters);
    }

    /**
     * Registers the meters of a port; call when the port is attached. Replaces an earlier binding of the same name.
     * The port's name, type and MTU are read now; its counters and up state at every scrape.
     */
    public synchronized void bindPort(Port port) {
        Objects.requireNonNull(port, "port");
        unbindPort(port.name());
        final PortCounters c = port.counters();
        final Tags tags = Tags.of(TAG_PORT, port.name(), TAG_TYPE, port.type());
        final List<Meter> meters = new ArrayList<>();
        meters.add(FunctionCounter.builder("uniswitch.port.rx.frames", c, p -> p.rxFrames)
                .description("Frames received from the port's device, including those then dropped.")
                .tags(tags).register(registry));
        meters.add(FunctionCounter.builder("uniswitch.port.rx.bytes", c, p -> p.rxBytes)
                .description("Bytes of the frames received, from the Ethernet header on, without FCS.")
                .baseUnit(BaseUnits.BYTES).tags(tags).register(registry));
        meters.add(FunctionCounter.builder("uniswitch.port.tx.frames", c, p -> p.txFrames)
                .description("Frames the port's device accepted for sending.")
                .tags(tags).register(registry));
        meters.add(FunctionCounter.builder("uniswitch.port.tx.bytes", c, p -> p.txBytes)
                .description("Bytes of the frames sent, from the Ethernet header on, without FCS.")
                .baseUnit(BaseUnits.BYTES).tags(tags).register(registry));
        for (DropReason reason : DropReason.values()) {
            final int id = reason.id();
            meters.add(FunctionCounter.builder("uniswitch.port.drops", c, p -> p.drops[id])
                    .description("Frames dropped, by reason: on receive for ingress reasons (runt, link_local, "
                            + "same_port, ...), on send for egress ones (egress_mtu, tx_queue_full, tx_error).")
                    .tags(tags).tag(TAG_REASON, reason.label()).register(registry));
        }
        meters.add(FunctionCounter.builder("uniswitch.port.errors", c, p -> p.errors)
                .description("Unexpected failures of the port's device or code; the frames they hit count as "
                        + "drops.")
                .tags(tags).register(registry));
        meters.add(Gauge.builder("uniswitch.port.up", port, p -> p.isUp() ? 1 : 0)
                .description("1 while the port is up, 0 while it is down (administratively or after a failure).")
                .tags(tags).register(registry));
        final int mtuBytes = port.mtuBytes();
        meters.add(Gauge.builder("uniswitch.port.mtu", port, p -> mtuBytes)
                .description("Largest payload the port sends after the Ethernet header (and 802.1Q tag).")
                .baseUnit(BaseUnits.BYTES).tags(tags).register(registry));
        ports.put(port.name(), new Binding(port, meters));
    }

    /** Removes every meter of the port; returns false when no port of that name was bound. */
    public synchronized boolean unbindPort(String portName) {
        final Binding b = ports.remove(portName);
        remove(b);
        return b != null;
    }

    /** Names of the bound ports, for diagnostics and tests. */
    public synchronized List<String> boundPorts() {
        return new ArrayList<>(ports.keySet());
    }

    /**
     * Registers {@code uniswitch_loop_busy_ratio}, the share of time the loop thread spent working rather than
     * waiting, 0 to 1, read from busyRatio at each scrape. Replaces an earlier supplier. Until called, the series
     * does not exist.
     */
    public synchronized void bindLoopBusyRatio(DoubleSupplier busyRatio) {
        Objects.requireNonNull(busyRatio, "busyRatio");
        remove(loopBusyRatio);
        final Meter m = Gauge.builder("uniswitch.loop.busy.ratio", busyRatio, DoubleSupplier::getAsDouble)
                .description("Share of time the data-plane loop thread spent working rather than waiting, 0 to 1.")
                .register(registry);
        loopBusyRatio = new Binding(busyRatio, List.of(m));
    }

    /**
     * Registers {@code uniswitch_tender_restarts_total{port}}, read from restarts at each scrape; for the tender
     * supervisor. Kept apart from {@link #bindPort}: restarting a tender re-creates its port, and
     * {@link #unbindPort} must not take the restart count with it. Replaces an earlier binding for the port.
     */
    public synchronized void bindTenderRestarts(String portName, LongSupplier restarts) {
        requireText(portName, "portName");
        Objects.requireNonNull(restarts, "restarts");
        unbindTenderRestarts(portName);
        final Meter m = FunctionCounter.builder("uniswitch.tender.restarts", restarts, LongSupplier::getAsLong)
                .description("Times the supervisor restarted the tender (unikernel or VM) behind the port.")
                .tags(TAG_PORT, portName).register(registry);
        tenderRestarts.put(portName, new Binding(restarts, List.of(m)));
    }

    /** Removes the tender restart counter of the port; returns false when none was bound. */
    public synchronized boolean unbindTenderRestarts(String portName) {
        final Binding b = tenderRestarts.remove(portName);
        remove(b);
        return b != null;
    }

    /** The registry, for callers that add meters of their own (use the {@code uniswitch.} prefix). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * All meters in the exposition format chosen by {@link #contentTypeFor}: pass the scraper's Accept header or
     * one of the content type constants.
     */
    public String scrape(String contentType) {
        return registry.scrape(contentTypeFor(contentType));
    }

    /**
     * The content type to answer with: {@link #OPENMETRICS_CONTENT_TYPE} when accept names OpenMetrics, else
     * {@link #TEXT_CONTENT_TYPE}. Never protobuf, which the registry would write for a protobuf Accept header:
     * a Prometheus server asks for it only with native histograms on, and also accepts text.
     */
    public static String contentTypeFor(String accept) {
        return accept != null && accept.contains(OPENMETRICS_MEDIA_TYPE) ? OPENMETRICS_CONTENT_TYPE
                : TEXT_CONTENT_TYPE;
    }

    /** Closes the registry: meters bound afterwards do nothing. Call once the switch has stopped. */
    @Override
    public synchronized void close() {
        registry.close();
    }

    private FunctionCounter counter(String name, SwitchCounters c, ToDoubleFunction<SwitchCounters> f,
            String description) {
        return FunctionCounter.builder(name, c, f).description(description).register(registry);
    }

    private void remove(Binding b) {
        if (b != null) {
            for (Meter m : b.meters()) {
                registry.remove(m);
            }
        }
    }

    private static String requireText(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + " '" + s + "': expected a non-empty name");
        }
        return s;
    }

    /** What a bind made: the object its meters read (held strongly here) and the meters, to remove on unbind. */
    private record Binding(Object source, List<Meter> meters) {
    }
}
