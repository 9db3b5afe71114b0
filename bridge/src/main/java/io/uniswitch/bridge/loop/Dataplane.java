package io.uniswitch.bridge.loop;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.port.FdPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data plane: one epoll event loop thread that owns the forwarding engine, its ports and the FDB.
 *
 * <p>Control code (config, CLI) calls in from other threads; every method here hands its work to the loop and waits
 * for it ({@link #call}), so the engine and ports are only ever touched by the loop thread. Ports are opened by the
 * caller on the control thread (open and ioctl can block) and handed over whole; from then on the data plane owns
 * and closes them.
 */
public final class Dataplane implements AutoCloseable {
    /** How often expired FDB entries are swept, and how many at most per sweep. */
    static final long AGEING_TICK_MS = 1000;
    static final int AGEING_MAX_PER_TICK = 4096;
    private static final long CALL_TIMEOUT_MS = 10_000;

    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;
    private final ForwardingEngine engine;
    /** Loop thread only. */
    private final Map<String, PortHandle> handles = new LinkedHashMap<>();
    private volatile boolean closed;
    private final LoopLoad load = new LoopLoad();
    /** Loop thread only; kept in step with {@link #handles}. */
    private final RingPoller rings = new RingPoller();

    /** How busy the loop thread is, for metrics. */
    public LoopLoad load() {
        return load;
    }

    /** Default busy-poll window after I/O before the loop sleeps; see {@link SpinThenSleep}. */
    public static final long DEFAULT_SPIN_NS = 50_000;

    public Dataplane(EngineConfig config, String name) {
        this(config, name, DEFAULT_SPIN_NS);
    }

    /**
     * @param spinNs how long the loop keeps polling after I/O before it sleeps (0: always sleep at once)
     */
    public Dataplane(EngineConfig config, String name, long spinNs) {
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("uniswitch-" + name, true),
                EpollIoHandler.newFactory(0, () -> new SpinThenSleep(spinNs, rings)));
        this.loop = group.next();
        this.engine = new ForwardingEngine(config, System::nanoTime);
        loop.scheduleAtFixedRate(() -> engine.ageOut(AGEING_MAX_PER_TICK), AGEING_TICK_MS, AGEING_TICK_MS,
                TimeUnit.MILLISECONDS);
    }

    /** The engine. Touch it only from tasks given to {@link #call} or {@link #execute}. */
    public ForwardingEngine engine() {
        return engine;
    }

    /**
     * Registers an opened port on the loop, attaches it to the switch and starts reading. On failure the port is
     * closed and the exception rethrown: the data plane is left as it was.
     */
    public void addPort(FdPort port) {
        PortHandle handle = new PortHandle(port, engine, load);
        IoRegistration registration;
        try {
            Future<IoRegistration> f = loop.register(handle);
            if (!f.await(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("port " + port.name() + ": registration on the event loop timed out");
            }
            if (!f.isSuccess()) {
                throw new IllegalStateException("port " + port.name() + ": cannot register on the event loop: "
                        + f.cause().getMessage(), f.cause());
            }
            registration = f.getNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            port.close();
            throw new IllegalStateException("interrupted while adding port " + port.name(), e);
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
        try {
            call(() -> {
                if (handles.containsKey(port.name())) {
                    throw new IllegalArgumentException("port " + port.name() + " is already attached");
                }
                engine.attach(port);
                handles.put(port.name(), handle);
                handle.start(registration);
                rings.set(handles.values());
                return null;
            });
        } catch (RuntimeException e) {
            // The loop lets go of the port before it is closed here: a ring it still polled would be unmapped.
            try {
                call(() -> {
                    if (handles.get(port.name()) == handle) {
                        handles.remove(port.name());
                        rings.set(handles.values());
                        engine.detach(port.index());
                    }
                    if (registration.isValid()) {
                        registration.cancel();
                    }
                    return null;
                });
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            port.close();
            throw e;
        }
    }

    /** Detaches and closes a port; its FDB entries stop matching at once. Returns false if there is no such port. */
    public boolean removePort(String name) {
        return call(() -> {
            PortHandle h = handles.remove(name);
            if (h == null) {
                return false;
            }
            rings.set(handles.values());
            engine.detach(h.port().index());
            h.cancel();
            h.port().close();
            return true;
        });
    }

    /**
     * Starts mirroring a port's frames into tap (see {@link io.uniswitch.bridge.port.Port#setCaptureTap}).
     *
     * @throws IllegalArgumentException when there is no such port, or it is being captured already
     */
    public void startCapture(String portName, CaptureTap tap) {
        call(() -> {
            FdPort p = port(portName);
            if (p == null) {
                throw new IllegalArgumentException("no port \"" + portName + "\"; `uniswitch show` lists the ports");
            }
            if (p.captureTap() != null) {
                throw new IllegalArgumentException("port " + portName + " is being captured already; "
                        + "stop that capture first (one capture per port)");
            }
            p.setCaptureTap(tap);
            return null;
        });
    }

    /**
     * Stops a capture started by {@link #startCapture}; afterwards the tap is detached and its counters final. A
     * port removed meanwhile detached it already.
     */
    public void stopCapture(String portName, CaptureTap tap) {
        call(() -> {
            FdPort p = port(portName);
            if (p != null && p.captureTap() == tap) {
                p.setCaptureTap(null);
            }
            tap.detach();
            return null;
        });
    }

    /** The attached port with this name, or null. Loop thread only (inside {@link #call}). */
    public FdPort port(String name) {
        PortHandle h = handles.get(name);
        return h == null ? null : h.port();
    }

    /** The attached ports in the order they were added. Loop thread only (inside {@link #call}). */
    public List<FdPort> ports() {
        List<FdPort> out = new ArrayList<>(handles.size());
        for (PortHandle h : handles.values()) {
            out.add(h.port());
        }
        return out;
    }

    /** Names of the attached ports, in the order they were added. */
    public List<String> portNames() {
        return call(() -> new ArrayList<>(handles.keySet()));
    }

    /** Runs a task on the loop thread and waits for its result; exceptions from the task are rethrown. */
    public <T> T call(Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return loop.submit(task).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the data plane", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the data plane did not answer within " + CALL_TIMEOUT_MS + " ms", e);
        }
    }

    /** Runs a task on the loop thread without waiting. */
    public void execute(Runnable task) {
        loop.execute(task);
    }

    /** Detaches and closes every port, then stops the loop thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!loop.isShuttingDown()) {
            try {
                call(() -> {
                    rings.set(List.of());
                    for (PortHandle h : handles.values()) {
                        engine.detach(h.port().index());
                        h.cancel();
                        h.port().close();
                    }
                    handles.clear();
                    return null;
                });
            } catch (RuntimeException e) {
                System.getLogger(Dataplane.class.getName()).log(System.Logger.Level.WARNING,
                        "closing ports: " + e.getMessage());
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
