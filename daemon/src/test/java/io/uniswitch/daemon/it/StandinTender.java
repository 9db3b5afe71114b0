package io.uniswitch.daemon.it;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in tender of {@code src/test/c/standin_tender.c} (see its header for how it follows the solo5 tender's
 * network contract and where it differs), compiled once per JVM with gcc into {@code target/}, and one running
 * instance of it inside a test namespace.
 */
final class StandinTender implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(60);
    private static Path binary;

    private final Process process;
    private final Path log;

    private StandinTender(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Compiles the stand-in if its binary is missing or older than the source; fails if gcc is missing. */
    static synchronized Path binary() throws IOException {
        if (binary != null) {
            return binary;
        }
        Path module = moduleDir();
        Path source = module.resolve("src/test/c/standin_tender.c");
        Path out = module.resolve("target/standin-tender");
        if (!Files.exists(out) || Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(source)) < 0) {
            Files.createDirectories(out.getParent());
            Cmd.run(T, "gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out.toString(), source.toString());
        }
        binary = out;
        return out;
    }

    private static Path moduleDir() {
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.exists(cwd.resolve("src/test/c/standin_tender.c"))) {
            return cwd;
        }
        Path root = Path.of(System.getProperty("uniswitch.root", ".."));
        return root.resolve("daemon").toAbsolutePath();
    }

    /** Starts the stand-in in {@code ns} with these arguments (e.g. {@code --net=tap100 --ipv4=10.0.0.2/24}). */
    static StandinTender start(Netns ns, Path log, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(binary().toString());
        argv.addAll(List.of(args));
        StandinTender t = new StandinTender(ns.spawn(argv, log), log);
        t.awaitAttached();
        return t;
    }

    private void awaitAttached() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (log().contains("standin-tender: attached")) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("stand-in tender exited with " + process.exitValue() + ":\n" + log());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("stand-in tender did not attach within 10 s:\n" + log());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the tender to exit by itself and returns its status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("stand-in tender still running after " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Ends the tender by its pid (SIGTERM, then SIGKILL). */
    @Override
    public void close() {
        Cmd.stop(process, Duration.ofSeconds(2));
    }
}
