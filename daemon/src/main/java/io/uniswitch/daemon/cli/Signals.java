package io.uniswitch.daemon.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Catches SIGTERM and SIGINT so that a stop runs the same clean shutdown as any other and exits 0, instead of the
 * JVM's default exit status 143/130. Uses {@code sun.misc.Signal} (module jdk.unsupported, present on 17 and 25)
 * reflectively, because a direct reference is a compiler warning that cannot be suppressed. Where it is missing, a
 * shutdown hook still cleans up, and the exit status is the JVM's.
 */
final class Signals {
    private Signals() {
    }

    /** Calls {@code onStop} (once per signal) on SIGTERM or SIGINT; returns false if signals cannot be caught. */
    static boolean onTermOrInt(Runnable onStop) {
        return on(onStop, "TERM", "INT");
    }

    /**
     * As {@link #onTermOrInt}, also when the parent started this process with SIGINT ignored (a command run with
     * {@code &} from a script: the shell ignores SIGINT for it, and the JVM would keep it ignored without a word).
     * For commands that end on Ctrl-C by design, as tcpdump does: {@code uniswitch capture ... & ...; kill -INT $!}
     * must end the capture.
     */
    static boolean onTermOrIntEvenIfIgnored(Runnable onStop) {
        takeBack(SIGINT, "SIGINT", "it ends the command", System.Logger.Level.DEBUG);
        takeBack(SIGTERM, "SIGTERM", "it ends the command", System.Logger.Level.DEBUG);
        return on(onStop, "TERM", "INT");
    }

    /**
     * Calls {@code action} on SIGHUP (systemctl reload) instead of the JVM's default, which is to exit.
     *
     * <p>A SIGHUP that was ignored when the JVM started (the switch launched under {@code nohup}, or by a parent that
     * ignores it) would stay ignored: the JVM keeps an ignored shutdown signal ignored and says nothing. SIGHUP means
     * reload here, never exit, so its disposition is reset to the default first and the handler then takes it.
     */
    static boolean onHup(Runnable action) {
        takeBack(SIGHUP, "SIGHUP (nohup?)", "it reloads the config", System.Logger.Level.INFO);
        return on(action, "HUP");
    }

    /** Resets a signal the parent left ignored to its default, so that the handler registered next takes it. */
    private static void takeBack(int signal, String name, String meaning, System.Logger.Level level) {
        try {
            if (io.uniswitch.tap.linux.Syscall.LIBC.signal(signal, SIG_DFL) == SIG_IGN) {
                System.getLogger(Signals.class.getName()).log(level, name + " was ignored by the parent; it is "
                        + "taken again: " + meaning);
            }
        } catch (RuntimeException | LinkageError e) {
            // No libc binding: the JVM's own rules apply.
        }
    }

    private static final int SIGHUP = 1;
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    private static boolean on(Runnable action, String... names) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            InvocationHandler ih = (Object proxy, Method m, Object[] args) -> {
                if (m.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                if (m.getName().equals("toString")) {
                    return "uniswitch-signal";
                }
                if (m.getName().equals("hashCode")) {
                    return System.identityHashCode(proxy);
                }
                if (m.getName().equals("equals")) {
                    return proxy == args[0];
                }
                return null;
            };
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (String name : names) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                handle.invoke(null, signal, handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
