package io.uniswitch.tendernet.solo5;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running tender as its supervisor sees it: a pid, its merged stdout and stderr, its exit status (128 + signal when
 * a signal ended it, as {@link Process} reports), and the two ways to end it.
 */
public interface TenderProcess {
    long pid();

    /** stdout and stderr merged; ends when the process and every holder of its output pipe have gone. */
    InputStream output();

    /** Waits for the exit; returns the status. */
    int waitFor() throws InterruptedException;

    /** Waits at most {@code timeout}; returns whether the process has exited. */
    boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException;

    boolean isAlive();

    /** SIGTERM. */
    void terminate();

    /** SIGKILL. */
    void kill();

    /** Starts tender processes; stdin is /dev/null, stdout and stderr go to {@link #output()}. */
    @FunctionalInterface
    interface Launcher {
        /** Through {@link ProcessBuilder}: the child inherits no descriptor beyond 0, 1 and 2. */
        Launcher PLAIN = argv -> of(new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());

        /** @throws IOException when the program cannot be started (not found, not executable) */
        TenderProcess launch(List<String> argv) throws IOException;
    }

    /** A JDK process as a tender. */
    static TenderProcess of(Process p) {
        return new TenderProcess() {
            @Override
            public long pid() {
                return p.pid();
            }

            @Override
            public InputStream output() {
                return p.getInputStream();
            }

            @Override
            public int waitFor() throws InterruptedException {
                return p.waitFor();
            }

            @Override
            public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
                return p.waitFor(timeout, unit);
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public void terminate() {
                p.destroy();
            }

            @Override
            public void kill() {
                p.destroyForcibly();
            }
        };
    }
}
