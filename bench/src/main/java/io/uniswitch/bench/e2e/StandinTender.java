package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One running instance of the stand-in tender ({@code daemon/src/test/c/standin_tender.c}: attaches a tap by name
 * as a solo5 tender does, answers ARP and ICMP echo; see its header), and its compilation with gcc. The process runs
 * in a namespace of the benchmark, which also ends it if {@link #close} does not; close ends it by its pid.
 */
final class StandinTender implements AutoCloseable {
    private static final Duration GCC_TIMEOUT = Duration.ofSeconds(120);
    private static final long ATTACH_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final Process process;
    private final Path log;

    private StandinTender(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Compiles {@code source} into {@code dir}/standin-tender (installing gcc if missing) and returns the binary.
     * No -Werror: a newer compiler's new warning must not stop a benchmark.
     */
    static Path compile(Path source, Path dir) {
        if (!Files.isReadable(source)) {
            throw new IllegalStateException("no stand-in tender source at " + source.toAbsolutePath()
                    + "; run from the repository root, pass --standin-source PATH, or --no-tender");
        }
        Path gcc = Tools.require("gcc", "gcc");
        Path out = dir.resolve("standin-tender");
        Cmd.run(GCC_TIMEOUT, gcc.toString(), "-O2", "-Wall", "-o", out.toString(), source.toString());
        return out;
    }

    /** Starts {@code binary} in {@code ns} with these arguments and waits until it has attached its tap. */
    static StandinTender start(Netns ns, Path binary, Path log, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(List.of(args));
        StandinTender t = new StandinTender(ns.spawn(argv, log), log);
        try {
            t.awaitAttached();
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void awaitAttached() throws Exception {
        long deadline = System.nanoTime() + ATTACH_TIMEOUT_NS;
        while (System.nanoTime() < deadline) {
            if (log().contains("standin-tender: attached")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("stand-in tender exited with " + process.exitValue() + ": " + log());
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("stand-in tender did not attach within 10 s: " + log());
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log).strip() : "";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL, by pid. */
    @Override
    public void close() {
        Cmd.stop(process, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "stand-in tender pid " + process.pid();
    }
}
