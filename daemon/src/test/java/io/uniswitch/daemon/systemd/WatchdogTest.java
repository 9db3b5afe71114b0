package io.uniswitch.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog against a real notify socket. Intervals are short (200 ms, so a ping every 100 ms) and counts are
 * bounded loosely: the machine may be busy, and a fixed-rate timer catches up on late pings.
 */
class WatchdogTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static List<String> assertOnlyPings(List<String> messages) {
        for (String m : messages) {
            assertEquals("WATCHDOG=1", m);
        }
        return messages;
    }

    @Test
    void pingsAtHalfTheInterval() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            Watchdog watchdog = Watchdog.start(notify, INTERVAL, () -> true);
            try {
                assertEquals(Duration.ofMillis(100), watchdog.pingInterval());
                assertEquals("WATCHDOG=1", receiver.poll(WAIT), "the first ping goes out at once");
                long start = System.nanoTime();
                List<String> pings = assertOnlyPings(receiver.drain(Duration.ofMillis(1000)));
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                // 10 pings in a second at 100 ms; fewer than 5 would starve systemd (two per interval are needed).
                assertTrue(pings.size() >= 5 && pings.size() <= 12, pings.size() + " pings in " + elapsedMs + " ms");
            } finally {
                watchdog.close();
            }
        }
    }

    @Test
    void stopsPingingWhileUnhealthyAndResumes() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            Watchdog watchdog = Watchdog.start(notify, INTERVAL, healthy::get);
            try {
                assertEquals("WATCHDOG=1", receiver.poll(WAIT));
                assertEquals("WATCHDOG=1", receiver.poll(WAIT));
                healthy.set(false);
                // A tick may have passed its check just before the flip; let it land, then expect silence.
                receiver.drain(Duration.ofMillis(150));
                assertEquals(List.of(), receiver.drain(Duration.ofMillis(600)), "no ping while the check fails");
                healthy.set(true);
                assertEquals("WATCHDOG=1", receiver.poll(WAIT), "pings resume when the check passes again");
            } finally {
                watchdog.close();
            }
        }
    }

    @Test
    void aThrowingHealthCheckCountsAsFailedAndDoesNotKillTheTimer() throws Exception {
        AtomicBoolean blowUp = new AtomicBoolean(true);
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            Watchdog watchdog = Watchdog.start(notify, INTERVAL, () -> {
                if (blowUp.get()) {
                    throw new IllegalStateException("the data plane did not answer");
                }
                return true;
            });
            try {
                assertEquals(List.of(), receiver.drain(Duration.ofMillis(400)));
                blowUp.set(false);
                assertEquals("WATCHDOG=1", receiver.poll(WAIT));
            } finally {
                watchdog.close();
            }
        }
    }

    @Test
    void closeStopsThePings() throws Exception {
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            Watchdog watchdog = Watchdog.start(notify, INTERVAL, () -> true);
            assertEquals("WATCHDOG=1", receiver.poll(WAIT));
            watchdog.close();
            watchdog.close();
            receiver.drain(Duration.ofMillis(50));
            assertEquals(List.of(), receiver.drain(Duration.ofMillis(400)));
        }
    }

    @Test
    void startsOnlyWhenSystemdAskedThisProcess() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (NotifyReceiver receiver = NotifyReceiver.atPath(dir.resolve("notify"));
                SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()))) {
            assertEquals(Optional.empty(), Watchdog.start(notify, () -> true,
                    Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", Long.toString(pid + 1)), pid),
                    "WATCHDOG_PID of another process disables it");
            assertEquals(Optional.empty(), Watchdog.start(notify, () -> true, Map.of(), pid), "no WatchdogSec=");
            assertEquals(Optional.empty(), Watchdog.start(notify, () -> true, Map.of("WATCHDOG_USEC", "1"), pid),
                    "1 us cannot be kept, and is not taken as a reason to spin");
            assertNull(receiver.poll(Duration.ofMillis(300)));

            Optional<Watchdog> mine = Watchdog.start(notify, () -> true,
                    Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", Long.toString(pid)), pid);
            assertTrue(mine.isPresent());
            try {
                assertEquals(Duration.ofMillis(100), mine.get().pingInterval());
                assertEquals("WATCHDOG=1", receiver.poll(WAIT));
            } finally {
                mine.get().close();
            }
        }
        try (SdNotify off = SdNotify.fromEnvironment(Map.of())) {
            assertEquals(Optional.empty(), Watchdog.start(off, () -> true, Map.of("WATCHDOG_USEC", "200000"), pid),
                    "no notify socket, no watchdog");
        }
    }

    @Test
    void loopProbeFailsWhileTheLoopIsStuck() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor();
        try {
            LoopProbe probe = new LoopProbe(loop);
            assertTrue(probe.getAsBoolean(), "nothing posted yet");
            awaitIdle(loop);
            assertTrue(probe.getAsBoolean(), "the loop ran the first probe");
            awaitIdle(loop);

            CountDownLatch release = new CountDownLatch(1);
            loop.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(probe.getAsBoolean(), "the probe of the previous check ran; this one queues behind the hang");
            assertFalse(probe.getAsBoolean(), "stuck: the last probe is still queued");
            assertFalse(probe.getAsBoolean(), "still stuck, and no second probe was queued");
            release.countDown();
            awaitIdle(loop);
            assertTrue(probe.getAsBoolean(), "the loop caught up");
        } finally {
            loop.shutdownNow();
        }
        awaitIdle(loop);
        LoopProbe afterShutdown = new LoopProbe(loop);
        assertFalse(afterShutdown.getAsBoolean(), "a loop that refuses tasks is not healthy");
    }

    /** Waits until every task queued on a single-thread executor before this call has run. */
    private static void awaitIdle(ExecutorService loop) throws Exception {
        if (loop.isShutdown()) {
            assertTrue(loop.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            return;
        }
        assertNotNull(loop.submit(() -> Boolean.TRUE).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }
}
