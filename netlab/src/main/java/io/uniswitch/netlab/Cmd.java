package io.uniswitch.netlab;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands with a timeout and captures their output.
 *
 * <p>Control path only: every call blocks the calling thread. Output goes to temporary files rather than pipes, so a
 * command that leaves a daemon behind holding its stdout (such as {@code iperf3 -D}) cannot wedge the caller. A
 * command that runs past its timeout is killed together with its descendants, by pid. Stateless and thread-safe.
 */
public final class Cmd {
    private static final File DEV_NULL = new File("/dev/null");
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);

    private Cmd() {
    }

    /** Exit code and the captured output, decoded as UTF-8. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs argv and throws {@link CmdException} on a non-zero exit, a timeout or a failure to start. */
    public static Result run(Duration timeout, String... argv) {
        return run(timeout, List.of(argv));
    }

    /** Runs argv and throws {@link CmdException} on a non-zero exit, a timeout or a failure to start. */
    public static Result run(Duration timeout, List<String> argv) {
        Result result = runAllowFail(timeout, argv);
        if (result.exitCode() != 0) {
            throw CmdException.failed(argv, result);
        }
        return result;
    }

    /** Runs argv and returns any exit code; still throws {@link CmdException} on a timeout or a failure to start. */
    public static Result runAllowFail(Duration timeout, String... argv) {
        return runAllowFail(timeout, List.of(argv));
    }

    /** Runs argv and returns any exit code; still throws {@link CmdException} on a timeout or a failure to start. */
    public static Result runAllowFail(Duration timeout, List<String> argv) {
        return runAllowFail(timeout, Map.of(), argv);
    }

    /** As {@link #runAllowFail(Duration, List)} with extra environment variables. */
    public static Result runAllowFail(Duration timeout, Map<String, String> env, List<String> argv) {
        return runAllowFail(timeout, env, null, argv);
    }

    /** As {@link #runAllowFail(Duration, List)} with extra environment variables, in directory {@code cwd}. */
    public static Result runAllowFail(Duration timeout, Map<String, String> env, Path cwd, List<String> argv) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("netlab-cmd-", ".out");
            err = Files.createTempFile("netlab-cmd-", ".err");
            ProcessBuilder builder = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            if (cwd != null) {
                builder.directory(cwd.toFile());
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw CmdException.notStarted(argv, e);
            }
            boolean exited = waitFor(process, timeout);
            if (!exited) {
                killTree(process);
                throw CmdException.timedOut(argv, timeout, readQuietly(out), readQuietly(err));
            }
            return new Result(process.exitValue(), readQuietly(out), readQuietly(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create temporary files for " + commandLine(argv), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * Runs argv with stdout written (binary) to {@code stdoutFile}; throws {@link CmdException} on a non-zero exit.
     */
    public static void runToFile(Duration timeout, Path stdoutFile, List<String> argv) {
        Path err = null;
        try {
            err = Files.createTempFile("netlab-cmd-", ".err");
            ProcessBuilder builder = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(stdoutFile.toFile())
                    .redirectError(err.toFile());
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw CmdException.notStarted(argv, e);
            }
            if (!waitFor(process, timeout)) {
                killTree(process);
                throw CmdException.timedOut(argv, timeout, "", readQuietly(err));
            }
            if (process.exitValue() != 0) {
                throw CmdException.failed(argv, new Result(process.exitValue(), "", readQuietly(err)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create temporary files for " + commandLine(argv), e);
        } finally {
            deleteQuietly(err);
        }
    }

    /**
     * Starts argv in the background with stdin from /dev/null and stdout and stderr appended to {@code logFile}
     * (parent directories are created). The caller owns the process and ends it with {@link #stop}.
     */
    public static Process start(List<String> argv, Path logFile) {
        try {
            Path parent = logFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw CmdException.notStarted(argv, e);
        }
    }

    /**
     * Ends a process this library started: SIGTERM, then SIGKILL after {@code grace}, then waits for it to be reaped.
     * Its descendants are signalled the same way, by pid. Never throws.
     */
    public static void stop(Process process, Duration grace) {
        if (process == null) {
            return;
        }
        try {
            List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
            process.destroy();
            for (ProcessHandle child : descendants) {
                child.destroy();
            }
            if (!waitFor(process, grace)) {
                process.destroyForcibly();
            }
            for (ProcessHandle child : descendants) {
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
            }
            waitFor(process, STOP_GRACE);
        } catch (RuntimeException e) {
            System.err.println("netlab: cannot stop pid " + process.pid() + ": " + e);
        }
    }

    /** Ends a process and its descendants at once, by pid. */
    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitFor(process, STOP_GRACE);
    }

    /** The argv as one shell-like line, for messages. */
    public static String commandLine(List<String> argv) {
        StringBuilder line = new StringBuilder();
        for (String arg : argv) {
            if (line.length() > 0) {
                line.append(' ');
            }
            if (arg.isEmpty() || arg.chars().anyMatch(c -> c == ' ' || c == '\'' || c == '"')) {
                line.append('\'').append(arg.replace("'", "'\\''")).append('\'');
            } else {
                line.append(arg);
            }
        }
        return line.toString();
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temporary file is harmless; the caller's result matters more.
        }
    }
}
