package io.uniswitch.daemon.cli;

/** Exit codes of the {@code uniswitch} command; documented in the README. */
public final class ExitCodes {
    /** Success, or a clean stop on SIGTERM/SIGINT. */
    public static final int OK = 0;
    /** The switch failed while running, or a control command was refused by the switch. */
    public static final int FAILURE = 1;
    /** Bad command line or invalid config file; nothing was changed. */
    public static final int USAGE = 2;
    /** The switch could not start (a port could not be opened or configured); everything was undone. */
    public static final int START_FAILED = 3;
    /** No switch answered on the control socket. */
    public static final int UNREACHABLE = 4;

    private ExitCodes() {
    }
}
