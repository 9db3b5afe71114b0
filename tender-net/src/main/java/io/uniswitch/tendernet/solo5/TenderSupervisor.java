package io.uniswitch.tendernet.solo5;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs one tender (a solo5 tender, or any program attached to a tender port) for as long as its port exists: launches
 * it, restarts it with exponential backoff whenever it exits, forwards its output line by line, and stops it with
 * SIGTERM, then SIGKILL after a grace period.
 *
 * <p>Threads: {@link #start} and {@link #stop} run on a control thread. A supervisor thread waits for the process and
 * relaunches it; one output thread per launch reads the process's merged stdout and stderr. None of them ever touches
 * the data plane directly: {@link Hooks#beforeRestart} is where the owner hands work to the loop (an FDB flush through
 * {@code Dataplane.call}), and it runs on the supervisor thread, never on the loop.
 *
 * <p>Backoff: the first restart waits {@code minDelay}; each further one doubles the wait up to {@code maxDelay}; a
 * tender that ran at least {@code resetAfter} before it exited restarts after {@code minDelay} again. So a tender that
 * exits at once costs a handful of launches per minute, never a tight loop.
 */
public final class TenderSupervisor {
    private static final System.Logger LOG = System.getLogger(TenderSupervisor.class.getName());
    /** Output lines longer than this are cut (and the cut counted in the line) so a tender cannot flood the log. */
    public static final int MAX_LINE_CHARS = 512;
    public static final Duration DEFAULT_MIN_DELAY = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RESET_AFTER = Duration.ofSeconds(60);

    /** What the supervisor needs from its owner. Both run on supervisor threads. */
    public interface Hooks {
        /** The tender exited and is about to be launched again: forget what the port learned from it. */
        void beforeRestart();

        /** One line the tender printed (stdout and stderr merged), without its newline, at most MAX_LINE_CHARS. */
        void output(String line);
    }

    private final String portName;
    private final List<String> argv;
    private final Duration stopTimeout;
    private final long minDelayNs;
    private final long maxDelayNs;
    private final long resetAfterNs;
    private final Hooks hooks;
    private final TenderProcess.Launcher launcher;
    private final Object lock = new Object();
    /** Guarded by lock. */
    private TenderProcess process;
    /** Guarded by lock. */
    private boolean stopping;
    private volatile long restarts;
    /** The running tender's pid or -1, readable without the lock (the loop thread reads it for {@code show}). */
    private volatile long pid = -1;
    private Thread supervisor;

    /**
     * @param portName    the port, for thread names and log lines
     * @param argv        the full command line, placeholders already replaced (and any privilege wrapper prepended)
     * @param stopTimeout how long SIGTERM may take before SIGKILL
     * @param launcher    how a launch starts the process: {@link TenderProcess.Launcher#PLAIN}, or {@link FdSpawn} to
     *                    pass it a descriptor
     */
    public TenderSupervisor(String portName, List<String> argv, Duration stopTimeout, Duration minDelay,
            Duration maxDelay, Duration resetAfter, TenderProcess.Launcher launcher, Hooks hooks) {
        this.portName = Objects.requireNonNull(portName, "portName");
        this.argv = List.copyOf(argv);
        if (this.argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
        this.minDelayNs = minDelay.toNanos();
        this.maxDelayNs = Math.max(minDelayNs, maxDelay.toNanos());
        this.resetAfterNs = resetAfter.toNanos();
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
    }

    /** A supervisor with the default backoff (0.5 s doubling to 30 s, reset after 60 s of running). */
    public TenderSupervisor(String portName, List<String> argv, Duration stopTimeout, TenderProcess.Launcher launcher,
            Hooks hooks) {
        this(portName, argv, stopTimeout, DEFAULT_MIN_DELAY, DEFAULT_MAX_DELAY, DEFAULT_RESET_AFTER, launcher, hooks);
    }

    /**
     * Launches the tender and starts supervising it. The first launch is synchronous so that a command that cannot be
     * executed is an error of the caller's (a start error naming the port) rather than an endless restart loop.
     *
     * @throws IOException when the first launch fails (no such file, not executable)
     */
    public void start() throws IOException {
        synchronized (lock) {
            if (supervisor != null) {
                throw new IllegalStateException("already started");
            }
            process = launch();
            supervisor = new Thread(this::supervise, "tender-" + portName);
            supervisor.setDaemon(true);
            supervisor.start();
        }
    }

    /** How often the tender was restarted after it exited (the first launch is not counted). */
    public long restarts() {
        return restarts;
    }

    /** The running tender's pid, or -1 while none runs (between restarts, or stopped). */
    public long pid() {
        return pid;
    }

    /** The command line the tender is launched with. */
    public List<String> command() {
        return argv;
    }

    private TenderProcess launch() throws IOException {
        TenderProcess p = launcher.launch(argv);
        pid = p.pid();
        LOG.log(System.Logger.Level.INFO, "port " + portName + ": tender started, pid " + p.pid() + ": "
                + String.join(" ", argv));
        Thread out = new Thread(() -> pump(p.output()), "tender-" + portName + "-output");
        out.setDaemon(true);
        out.start();
        return p;
    }

    /** Forwards output line by line; a line over MAX_LINE_CHARS is cut and the rest of it skipped. */
    private void pump(InputStream in) {
        byte[] line = new byte[MAX_LINE_CHARS];
        int length = 0;
        long skipped = 0;
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n') {
                        emit(line, length, skipped);
                        length = 0;
                        skipped = 0;
                    } else if (length < line.length) {
                        line[length++] = b;
                    } else {
                        skipped++;
                    }
                }
            }
            if (length > 0) {
                emit(line, length, skipped);
            }
        } catch (IOException e) {
            // The process went away with its pipe; nothing more to forward.
        }
    }

    private void emit(byte[] line, int length, long skipped) {
        String s = new String(line, 0, length, StandardCharsets.UTF_8);
        hooks.output(skipped == 0 ? s : s + " [" + skipped + " more bytes cut]");
    }

    private void supervise() {
        long delayNs = minDelayNs;
        while (true) {
            TenderProcess p;
            synchronized (lock) {
                p = process;
            }
            long startedNs = System.nanoTime();
            int status = waitFor(p);
            long ranNs = System.nanoTime() - startedNs;
            synchronized (lock) {
                pid = -1;
                if (stopping) {
                    return;
                }
                process = null;
            }
            if (ranNs >= resetAfterNs) {
                delayNs = minDelayNs;
            }
            LOG.log(System.Logger.Level.WARNING, "port " + portName + ": tender (pid " + p.pid() + ") exited with "
                    + describe(status) + " after " + TimeUnit.NANOSECONDS.toMillis(ranNs) + " ms; restarting in "
                    + TimeUnit.NANOSECONDS.toMillis(delayNs) + " ms");
            boolean launched = false;
            while (!launched) {
                if (!sleepUnlessStopped(delayNs)) {
                    return;
                }
                delayNs = Math.min(maxDelayNs, delayNs * 2);
                try {
                    hooks.beforeRestart();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "port " + portName + ": before restart: " + e.getMessage());
                }
                synchronized (lock) {
                    if (stopping) {
                        return;
                    }
                    try {
                        process = launch();
                        restarts++;
                        launched = true;
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.ERROR, "port " + portName + ": tender could not be started: "
                                + e.getMessage() + "; trying again in " + TimeUnit.NANOSECONDS.toMillis(delayNs)
                                + " ms");
                    }
                }
            }
        }
    }

    private static int waitFor(TenderProcess p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // Only stop() interrupts, and it ends the process; keep waiting for it.
            }
        }
    }

    /** Sleeps unless stop() is called meanwhile; returns false when stopping. */
    private boolean sleepUnlessStopped(long ns) {
        long deadline = System.nanoTime() + ns;
        synchronized (lock) {
            while (!stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    return false;
                }
            }
            return false;
        }
    }

    private static String describe(int status) {
        return status > 128 ? "status " + status + " (signal " + (status - 128) + ")" : "status " + status;
    }

    /**
     * Stops supervising and ends the tender: SIGTERM, then SIGKILL to it and its descendants after the stop timeout.
     * Idempotent; returns once the process is gone (or SIGKILL was sent and a second passed).
     */
    public void stop() {
        TenderProcess p;
        Thread t;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            p = process;
            t = supervisor;
            lock.notifyAll();
        }
        if (p != null && p.isAlive()) {
            List<ProcessHandle> descendants = ProcessHandle.of(p.pid()).map(h -> h.descendants().toList())
                    .orElse(List.of());
            p.terminate();
            boolean ended = false;
            try {
                ended = p.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!ended) {
                LOG.log(System.Logger.Level.WARNING, "port " + portName + ": tender (pid " + p.pid()
                        + ") ignored SIGTERM for " + stopTimeout.toMillis() + " ms; sending SIGKILL");
                p.kill();
                try {
                    p.waitFor(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (ProcessHandle d : descendants) {
                d.destroyForcibly();
            }
            LOG.log(System.Logger.Level.INFO, "port " + portName + ": tender (pid " + p.pid() + ") stopped");
            pid = -1;
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
