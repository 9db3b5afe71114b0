package io.uniswitch.daemon.run;

/** The switch could not start; everything it had set up has been undone. The message names the port and the fix. */
public final class StartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StartException(String message, Throwable cause) {
        super(message, cause);
    }

    public StartException(String message) {
        super(message);
    }
}
