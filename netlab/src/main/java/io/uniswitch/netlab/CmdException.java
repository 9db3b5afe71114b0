package io.uniswitch.netlab;

import java.time.Duration;
import java.util.List;

/**
 * A command run by {@link Cmd} could not be started, exited non-zero or ran past its timeout. The message names the
 * command line, the exit code (or the timeout) and the tail of its stderr, so a failing test explains itself.
 */
public final class CmdException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int MESSAGE_STDERR_CHARS = 2000;

    /** Exit code used when the command could not be started or was killed on timeout. */
    public static final int NO_EXIT_CODE = -1;

    private final List<String> argv;
    private final int exitCode;
    private final String stdout;
    private final String stderr;
    private final boolean timedOut;

    CmdException(List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut, String message,
            Throwable cause) {
        super(message, cause);
        this.argv = List.copyOf(argv);
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
        this.timedOut = timedOut;
    }

    static CmdException failed(List<String> argv, Cmd.Result result) {
        String message = "command failed (exit " + result.exitCode() + "): " + Cmd.commandLine(argv)
                + describeStderr(result.stderr());
        return new CmdException(argv, result.exitCode(), result.stdout(), result.stderr(), false, message, null);
    }

    static CmdException timedOut(List<String> argv, Duration timeout, String stdout, String stderr) {
        String message = "command timed out after " + timeout.toMillis() + " ms and was killed: "
                + Cmd.commandLine(argv) + describeStderr(stderr);
        return new CmdException(argv, NO_EXIT_CODE, stdout, stderr, true, message, null);
    }

    static CmdException notStarted(List<String> argv, Throwable cause) {
        String message = "cannot start " + Cmd.commandLine(argv) + ": " + cause.getMessage()
                + " (is the tool installed? see Tools.require)";
        return new CmdException(argv, NO_EXIT_CODE, "", "", false, message, cause);
    }

    private static String describeStderr(String stderr) {
        String trimmed = stderr == null ? "" : stderr.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        if (trimmed.length() > MESSAGE_STDERR_CHARS) {
            trimmed = "..." + trimmed.substring(trimmed.length() - MESSAGE_STDERR_CHARS);
        }
        return ": " + trimmed;
    }

    public List<String> argv() {
        return argv;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stdout() {
        return stdout;
    }

    public String stderr() {
        return stderr;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
