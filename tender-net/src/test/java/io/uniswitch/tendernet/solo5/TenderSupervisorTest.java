package io.uniswitch.tendernet.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The supervisor with real processes (sh and sleep) and short backoffs, launched through {@link #launcher()}. It waits
 * on conditions with a deadline rather than sleeping fixed times, since a process's lifetime cannot run on an
 * injected clock.
 */
class TenderSupervisorTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger flushes = new AtomicInteger();
    private final TenderSupervisor.Hooks hooks = new TenderSupervisor.Hooks() {
        @Override
        public void beforeRestart() {
            flushes.incrementAndGet();
        }

        @Override
        public void output(String line) {
            lines.add(line);
        }
    };

    /** How the supervisor starts processes; {@link FdSpawnTest} runs every test here again through posix_spawn. */
    TenderProcess.Launcher launcher() {
        return TenderProcess.Launcher.PLAIN;
    }

    private TenderSupervisor supervisor(Duration minDelay, String... argv) {
        return new TenderSupervisor("t0", List.of(argv), Duration.ofSeconds(2), minDelay, minDelay.multipliedBy(4),
                Duration.ofSeconds(60), launcher(), hooks);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void anExitingTenderIsRestartedItsOutputForwardedAndTheFdbFlushedEachTime() throws Exception {
        TenderSupervisor s = supervisor(Duration.ofMillis(20), "/bin/sh", "-c", "echo hello; echo oops >&2; exit 3");
        s.start();
        try {
            await(() -> s.restarts() >= 3, "three restarts");
        } finally {
            s.stop();
        }
        assertTrue(lines.contains("hello") && lines.contains("oops"), lines.toString());
        assertTrue(flushes.get() >= 3 && flushes.get() <= s.restarts() + 1, flushes + " flushes, " + s.restarts());
        long after = s.restarts();
        Thread.sleep(200);
        assertEquals(after, s.restarts(), "no restart after stop");
    }

    @Test
    void backoffGrowsSoAnAtOnceExitingCommandIsNoTightLoop() throws Exception {
        // 50, 100, 200, 200 ms ... (max 4x): about 5 restarts in 1 s, never hundreds.
        TenderSupervisor s = supervisor(Duration.ofMillis(50), "/bin/false");
        s.start();
        Thread.sleep(1000);
        s.stop();
        assertTrue(s.restarts() >= 3 && s.restarts() <= 8, "restarts in 1 s: " + s.restarts());
    }

    @Test
    void longLinesAreCut() throws Exception {
        TenderSupervisor s = supervisor(Duration.ofSeconds(5), "/bin/sh", "-c", "head -c 2000 /dev/zero | tr '\\0' x; "
                + "echo; echo short; sleep 30");
        s.start();
        await(() -> lines.contains("short"), "the short line");
        s.stop();
        assertEquals("x".repeat(TenderSupervisor.MAX_LINE_CHARS) + " [" + (2000 - TenderSupervisor.MAX_LINE_CHARS)
                + " more bytes cut]", lines.get(0));
    }

    @Test
    void stopEndsTheTenderWithSigtermAndSigkillWhenIgnored() throws Exception {
        TenderSupervisor s = new TenderSupervisor("t0", List.of("/bin/sh", "-c", "trap '' TERM; echo ready; "
                + "while :; do sleep 0.05; done"), Duration.ofMillis(300), launcher(), hooks);
        s.start();
        long pid = s.pid();
        await(() -> lines.contains("ready"), "the trap set");
        long t0 = System.nanoTime();
        s.stop();
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(300).toNanos(), "waited the grace first");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "killed");
        assertEquals(-1, s.pid());
        assertEquals(0, s.restarts());
    }

    @Test
    void aCommandThatCannotRunFailsTheStart() {
        TenderSupervisor s = supervisor(Duration.ofMillis(20), "/nonexistent/uniswitch-tender");
        assertThrows(IOException.class, s::start);
    }
}
