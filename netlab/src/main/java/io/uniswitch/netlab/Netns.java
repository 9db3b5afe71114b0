package io.uniswitch.netlab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A named network namespace created fresh by this process, with {@code lo} up.
 *
 * <p>Invariant: while open, the namespace {@code /run/netns/NAME} exists and every process started through
 * {@link #spawn} is tracked. {@link #close} ends those processes and any other process still inside the namespace
 * (they can only be ours: the name carries a per-run unique prefix), by pid, then runs {@code ip netns del}, which also
 * removes the veths and taps inside. A JVM shutdown hook closes namespaces left open, so an interrupted demo or test
 * does not leak them. Thread-safe.
 */
public final class Netns implements AutoCloseable {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Set<Netns> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Netns::closeAllOpen, "netlab-netns-cleanup"));
    }

    private final String name;
    private final List<Process> spawned = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Netns(String name) {
        this.name = name;
    }

    /**
     * Creates namespace {@code name}, first deleting a stale one of the same name (and ending the processes left in
     * it), and brings up its loopback.
     */
    public static Netns create(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad namespace name: " + name);
        }
        String ip = Tools.ip();
        if (exists(name)) {
            killProcessesIn(name);
            Cmd.runAllowFail(IP_TIMEOUT, ip, "netns", "del", name);
        }
        Cmd.run(IP_TIMEOUT, ip, "netns", "add", name);
        Netns ns = new Netns(name);
        OPEN.add(ns);
        try {
            Cmd.run(IP_TIMEOUT, ip, "-n", name, "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** True if {@code ip netns list} shows a namespace of this name. */
    public static boolean exists(String name) {
        return list().contains(name);
    }

    /** Names of all named network namespaces ({@code ip netns list}). */
    public static List<String> list() {
        Cmd.Result result = Cmd.run(IP_TIMEOUT, Tools.ip(), "netns", "list");
        List<String> names = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty()) {
                int space = trimmed.indexOf(' ');
                names.add(space < 0 ? trimmed : trimmed.substring(0, space));
            }
        }
        return Collections.unmodifiableList(names);
    }

    public String name() {
        return name;
    }

    /** Runs argv inside the namespace; throws {@link CmdException} on a non-zero exit. */
    public Cmd.Result exec(Duration timeout, String... argv) {
        return Cmd.run(timeout, wrap(List.of(argv)));
    }

    /** Runs argv inside the namespace and returns any exit code. */
    public Cmd.Result execAllowFail(Duration timeout, String... argv) {
        return Cmd.runAllowFail(timeout, wrap(List.of(argv)));
    }

    /**
     * Starts argv in the background inside the namespace, output appended to {@code logFile}. The process is ended
     * by {@link #close} if the caller has not ended it. {@code ip netns exec} replaces itself with argv, so the
     * returned process's pid is the command's own pid.
     */
    public Process spawn(List<String> argv, Path logFile) {
        if (closed.get()) {
            throw new IllegalStateException("namespace " + name + " is closed");
        }
        Process process = Cmd.start(wrap(argv), logFile);
        spawned.add(process);
        return process;
    }

    /** Returns {@code ["ip", "netns", "exec", name, argv...]} (with the absolute path of ip). */
    public List<String> wrap(List<String> argv) {
        List<String> wrapped = new ArrayList<>(argv.size() + 4);
        wrapped.add(Tools.ip());
        wrapped.add("netns");
        wrapped.add("exec");
        wrapped.add(name);
        wrapped.addAll(argv);
        return wrapped;
    }

    /** Pids of all processes whose network namespace is this one. */
    public List<Long> pids() {
        return pidsIn(name);
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Ends spawned processes (by pid), then deletes the namespace. Idempotent; never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            for (Process process : spawned) {
                Cmd.stop(process, STOP_GRACE);
            }
            spawned.clear();
            killProcessesIn(name);
            Cmd.Result result = Cmd.runAllowFail(IP_TIMEOUT, Tools.ip(), "netns", "del", name);
            if (!result.ok() && exists(name)) {
                System.err.println("netlab: cannot delete namespace " + name + ": " + result.stderr().strip());
            }
        } catch (RuntimeException | Error e) {
            System.err.println("netlab: error while closing namespace " + name + ": " + e);
        } finally {
            OPEN.remove(this);
        }
    }

    @Override
    public String toString() {
        return "Netns[" + name + "]";
    }

    private static List<Long> pidsIn(String name) {
        Cmd.Result result = Cmd.runAllowFail(IP_TIMEOUT, Tools.ip(), "netns", "pids", name);
        List<Long> pids = new ArrayList<>();
        if (!result.ok()) {
            return pids;
        }
        for (String line : result.stdout().split("\\s+")) {
            if (!line.isEmpty()) {
                try {
                    pids.add(Long.parseLong(line));
                } catch (NumberFormatException e) {
                    // Not a pid: ip printed a warning on stdout; ignore it.
                }
            }
        }
        return pids;
    }

    /** Ends every process left in namespace {@code name}: SIGTERM, then SIGKILL after a grace period. */
    private static void killProcessesIn(String name) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (long pid : pidsIn(name)) {
            if (pid != ProcessHandle.current().pid()) {
                ProcessHandle.of(pid).ifPresent(handles::add);
            }
        }
        if (handles.isEmpty()) {
            return;
        }
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ProcessHandle handle : handles) {
            while (handle.isAlive() && System.nanoTime() < deadline) {
                sleepMillis(20);
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeAllOpen() {
        for (Netns ns : List.copyOf(OPEN)) {
            ns.close();
        }
    }
}
