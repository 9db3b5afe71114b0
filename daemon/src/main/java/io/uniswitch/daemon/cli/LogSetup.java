package io.uniswitch.daemon.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Plain one-line log records on stderr, fit for journald (which adds its own timestamp): {@code LEVEL message}.
 * With {@code timestamps} (interactive use) each line starts with the time of day.
 */
public final class LogSetup {
    private LogSetup() {
    }

    public static void configure(boolean verbose, boolean timestamps) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder(128);
                if (timestamps) {
                    sb.append(java.time.LocalTime.now().withNano(0)).append(' ');
                }
                String level = level(r.getLevel());
                if (!level.isEmpty()) {
                    sb.append(level).append(' ');
                }
                sb.append(formatMessage(r)).append('\n');
                if (r.getThrown() != null) {
                    java.io.StringWriter sw = new java.io.StringWriter();
                    r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
                    sb.append(sw);
                }
                return sb.toString();
            }
        });
        root.addHandler(handler);
        root.setLevel(verbose ? Level.FINE : Level.INFO);
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }

    private static String level(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) {
            return "error:";
        }
        if (l.intValue() >= Level.WARNING.intValue()) {
            return "warning:";
        }
        return "";
    }
}
