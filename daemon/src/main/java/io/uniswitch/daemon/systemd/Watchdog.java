package io.uniswitch.daemon.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Pings systemd's watchdog ({@code WATCHDOG=1}) at half of {@code WatchdogSec=}, as sd_watchdog_enabled(3) advises,
 * but only while a health check passes. A switch whose data-plane loop is stuck therefore stops pinging, and systemd
 * kills and restarts it ({@code Restart=on-failure}) one interval after the last ping; a switch that recovers in time
 * simply pings again.
 *
 * <p>Thread: one daemon thread of its own, {@code uniswitch-watchdog}, runs the health check and the ping. The check
 * may block (a blocked check is a missed ping, as it should be) but should answer within half the interval; a check
 * that throws counts as failed. The first ping is sent at once, so start the watchdog right after {@code READY=1}.
 */
public final class Watchdog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
    /** Below this a ping every half interval is a busy loop; systemd's own WatchdogSec= values are seconds. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(2);

    private final SdNotify notify;
    private final BooleanSupplier healthy;
    private final Duration pingInterval;
    private final ScheduledExecutorService timer;
    /** Watchdog thread only. */
    private boolean failing;

    private Watchdog(SdNotify notify, Duration interval, BooleanSupplier healthy) {
        this.notify = notify;
        this.healthy = healthy;
        this.pingInterval = interval.dividedBy(2);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "uniswitch-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts pinging if systemd asked for a watchdog ({@code $WATCHDOG_USEC} set, for this process) and notification
     * works; otherwise returns empty and nothing runs.
     *
     * @param healthy true while the switch works; e.g. a {@link LoopProbe} on the data-plane loop
     */
    public static Optional<Watchdog> start(SdNotify notify, BooleanSupplier healthy) {
        return start(notify, healthy, System.getenv(), ProcessHandle.current().pid());
    }

    /** As {@link #start(SdNotify, BooleanSupplier)}, from the given environment and for the given pid. */
    static Optional<Watchdog> start(SdNotify notify, BooleanSupplier healthy, Map<String, String> env, long pid) {
        Optional<Duration> interval = SdNotify.watchdogInterval(env, pid);
        if (interval.isEmpty() || !notify.enabled()) {
            return Optional.empty();
        }
        if (interval.get().compareTo(MIN_INTERVAL) < 0) {
            LOG.log(System.Logger.Level.WARNING, "watchdog: an interval of " + interval.get().toNanos() / 1000
                    + " us is too short to keep; not pinging (set WatchdogSec= to seconds)");
            return Optional.empty();
        }
        return Optional.of(start(notify, interval.get(), healthy));
    }

    /** Starts pinging at half of {@code interval}. */
    static Watchdog start(SdNotify notify, Duration interval, BooleanSupplier healthy) {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("watchdog interval must be at least " + MIN_INTERVAL + ", was "
                    + interval);
        }
        Watchdog w = new Watchdog(notify, interval, healthy);
        long periodUs = w.pingInterval.toNanos() / 1000;
        w.timer.scheduleAtFixedRate(w::tick, 0, periodUs, TimeUnit.MICROSECONDS);
        LOG.log(System.Logger.Level.INFO, "watchdog: systemd expects a ping every " + interval.toMillis()
                + " ms; pinging every " + w.pingInterval.toMillis() + " ms while the data plane answers");
        return w;
    }

    /** How often a ping is sent: half the watchdog interval. */
    public Duration pingInterval() {
        return pingInterval;
    }

    private void tick() {
        boolean ok;
        try {
            ok = healthy.getAsBoolean();
        } catch (RuntimeException e) {
            ok = false;
            LOG.log(System.Logger.Level.DEBUG, "watchdog health check threw: " + e);
        }
        if (ok) {
            if (failing) {
                failing = false;
                LOG.log(System.Logger.Level.INFO, "watchdog: the health check passes again; pinging resumes");
            }
            notify.watchdog();
        } else if (!failing) {
            failing = true;
            LOG.log(System.Logger.Level.WARNING, "watchdog: the health check failed (the data plane did not answer "
                    + "within " + pingInterval.toMillis() + " ms); pings stop, and systemd restarts the service if it "
                    + "does not recover");
        }
    }

    /** Stops pinging (call it before stopping the data plane, so a stop is not taken for a hang). Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(1, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.DEBUG, "watchdog: the health check is still running; left behind");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
