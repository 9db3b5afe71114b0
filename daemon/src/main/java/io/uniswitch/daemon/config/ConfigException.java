package io.uniswitch.daemon.config;

/**
 * A configuration error that names where it is (file and line), what is wrong, and how to fix it.
 * The message reads like a compiler error:
 * {@code uniswitch.yaml:7: port "tap100": mtu 70000 is out of range; use a value from 68 to 65535}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    public ConfigException(String source, int line, String message) {
        super(format(source, line, message));
        this.source = source;
        this.line = line;
    }

    private static String format(String source, int line, String message) {
        if (line > 0) {
            return source + ":" + line + ": " + message;
        }
        return source + ": " + message;
    }

    /** The file (or other source name) the error is in. */
    public String source() {
        return source;
    }

    /** The 1-based line of the offending key or value, or 0 when the error concerns the whole file. */
    public int line() {
        return line;
    }
}
