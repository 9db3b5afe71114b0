package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CmdTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void capturesOutputAndExitCode() {
        Cmd.Result result = Cmd.runAllowFail(TIMEOUT, "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, result.exitCode());
        assertEquals("out\n", result.stdout());
        assertEquals("err\n", result.stderr());
    }

    @Test
    void runThrowsWithCommandLineExitCodeAndStderr() {
        CmdException e = assertThrows(CmdException.class,
                () -> Cmd.run(TIMEOUT, "sh", "-c", "echo 'no such device' >&2; exit 2"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("exit 2"), e.getMessage());
        assertTrue(e.getMessage().contains("sh -c"), e.getMessage());
        assertTrue(e.getMessage().contains("no such device"), e.getMessage());
        assertFalse(e.timedOut());
    }

    @Test
    void timeoutKillsTheCommand() {
        long start = System.nanoTime();
        CmdException e = assertThrows(CmdException.class,
                () -> Cmd.run(Duration.ofMillis(300), "sleep", "30"));
        assertTrue(e.timedOut());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10);
    }

    @Test
    void missingCommandNamesTools() {
        CmdException e = assertThrows(CmdException.class, () -> Cmd.run(TIMEOUT, "/nonexistent/netlab-tool"));
        assertTrue(e.getMessage().contains("Tools.require"), e.getMessage());
    }

    @Test
    void aDaemonHoldingStdoutDoesNotBlockTheCaller() {
        long start = System.nanoTime();
        Cmd.Result result = Cmd.run(TIMEOUT, "sh", "-c", "sleep 3 & echo started");
        assertEquals("started\n", result.stdout());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2500);
    }

    @Test
    void startWritesToTheLogAndStopEndsTheProcess(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("sub/log.txt");
        Process process = Cmd.start(List.of("sh", "-c", "echo hello; exec sleep 30"), log);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("hello")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.readString(log).contains("hello"));
        Cmd.stop(process, Duration.ofSeconds(1));
        assertFalse(process.isAlive());
    }

    @Test
    void toolsFindsCommandsOnPath() {
        assertTrue(Tools.which("sh").isPresent());
        assertFalse(Tools.which("netlab-no-such-command").isPresent());
    }
}
