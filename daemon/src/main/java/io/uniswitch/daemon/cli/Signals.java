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

    /** Calls {@code action} on SIGHUP (systemctl reload) instead of the JVM's default, which is to exit. */
    static boolean onHup(Runnable action) {
        return on(action, "HUP");
    }

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
