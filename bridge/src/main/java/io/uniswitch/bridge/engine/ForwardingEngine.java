package io.uniswitch.bridge.engine;

import io.netty.buffer.ByteBuf;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.fdb.Fdb;
import io.uniswitch.bridge.frame.Frames;
import io.uniswitch.bridge.frame.VnetHeader;
import io.uniswitch.bridge.port.Port;
import io.uniswitch.bridge.port.PortCounters;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The learning switch: for each batch from one ingress port, learns source MACs, then forwards known unicast to its
 * port and floods broadcast, multicast and unknown unicast to every other up port, like a Linux bridge without VLAN
 * filtering.
 *
 * <p>Per batch: one clock read; a classify loop sorts frames into drop, unicast and flood lists (snabb
 * {@code learning.lua}); one tight loop acts on each list; then every egress port touched is flushed once. A flood
 * retains the one buffer once per extra egress port and hands it to each; nothing is copied and no frame's indices
 * change.
 *
 * <p>Ownership: {@link #forward} takes every frame of the batch; each is released exactly once, by a counted drop
 * here or by an egress port. {@link #detach} releases nothing the port owns; closing the port is the caller's job.
 *
 * <p>Thread: one loop thread owns the engine, its FDB and its ports, and alone calls every method. The port arrays
 * are copy-on-write and published through volatile fields, so other threads may read {@link #ports()} and
 * {@link #port(int)}. No allocation on the forwarding path: scratch arrays are sized for {@link FrameBatch#MAX}
 * frames and {@code maxPorts} ports at construction.
 */
public final class ForwardingEngine {
    /**
     * Learning and lookups use VLAN 0 for every frame, tagged or not (shared VLAN learning, as a Linux bridge does with
     * vlan_filtering off); tagged frames are forwarded as they are.
     */
    private static final int VLAN = 0;

    private static final System.Logger LOG = System.getLogger(ForwardingEngine.class.getName());

    private final EngineConfig config;
    private final boolean vnetHeaders;
    private final LongSupplier nanoClock;
    private final Fdb fdb;
    private final SwitchCounters counters;

    private volatile Port[] portsByIndex;
    private volatile Port[] ports = new Port[0];

    private final int[] dropSlots = new int[FrameBatch.MAX];
    private final DropReason[] dropReasons = new DropReason[FrameBatch.MAX];
    private final int[] unicastSlots = new int[FrameBatch.MAX];
    private final int[] unicastPorts = new int[FrameBatch.MAX];
    private final int[] floodSlots = new int[FrameBatch.MAX];
    private final Port[] floodTargets;
    private final Port[] touched;
    private final int[] touchedStamps;
    private int touchedCount;
    private int stamp;

    /** @param nanoClock monotonic time in ns, e.g. {@code System::nanoTime}; read once per batch */
    public ForwardingEngine(EngineConfig config, LongSupplier nanoClock) {
        this.config = Objects.requireNonNull(config, "config");
        this.vnetHeaders = config.vnetHeaders();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.fdb = new Fdb(config.fdbMaxEntries(), config.fdbMaxEntriesPerPort(), config.maxPorts(),
                config.ageingNs());
        this.counters = new SwitchCounters(fdb.counters());
        this.portsByIndex = new Port[config.maxPorts()];
        this.floodTargets = new Port[config.maxPorts()];
        this.touched = new Port[config.maxPorts()];
        this.touchedStamps = new int[config.maxPorts()];
    }

    public EngineConfig config() {
        return config;
    }

    /**
     * Adds the port at the lowest free index, which it returns and assigns to the port; the port joins flooding
     * at once.
     *
     * @throws IllegalArgumentException when the port is attached already, closed, or its name is taken
     * @throws IllegalStateException when all {@code maxPorts} indices are in use
     */
    public int attach(Port port) {
        Objects.requireNonNull(port, "port");
        if (port.index() != Port.UNATTACHED) {
            throw new IllegalArgumentException(port + " is attached already; detach it first");
        }
        if (port.isClosed()) {
            throw new IllegalArgumentException(port + " is closed: attach a new port");
        }
        final Port[] byIndex = portsByIndex;
        int free = -1;
        for (int i = byIndex.length - 1; i >= 0; i--) {
            Port p = byIndex[i];
            if (p == null) {
                free = i;
            } else if (p.name().equals(port.name())) {
                throw new IllegalArgumentException("a port named " + port.name() + " is attached already at index "
                        + i + "; port names must be unique");
            }
        }
        if (free < 0) {
            throw new IllegalStateException("cannot attach " + port + ": all " + byIndex.length
                    + " port indices are in use; raise maxPorts or detach a port");
        }
        Port[] nextByIndex = byIndex.clone();
        nextByIndex[free] = port;
        port.assignIndex(free);
        port.counters().aggregateDropsInto(counters.drops);
        portsByIndex = nextByIndex;
        ports = compact(nextByIndex);
        return free;
    }

    /**
     * Removes the port at portIndex. Its FDB entries miss from now on (generation bump; reclaimed later by
     * {@link #ageOut}). Frames it still queues stay its own until the caller closes it.
     *
     * @throws IllegalArgumentException when no port is attached at portIndex
     */
    public void detach(int portIndex) {
        Port port = port(portIndex);
        if (port == null) {
            throw new IllegalArgumentException("no port attached at index " + portIndex);
        }
        Port[] nextByIndex = portsByIndex.clone();
        nextByIndex[portIndex] = null;
        fdb.invalidatePort(portIndex);
        port.assignIndex(Port.UNATTACHED);
        port.counters().aggregateDropsInto(null);
        portsByIndex = nextByIndex;
        ports = compact(nextByIndex);
    }

    /** The port at index, or null. */
    public Port port(int index) {
        final Port[] byIndex = portsByIndex;
        return index >= 0 && index < byIndex.length ? byIndex[index] : null;
    }

    public int portCount() {
        return ports.length;
    }

    /**
     * The attached ports in index order: a copy-on-write array, replaced (never changed) by attach and detach, so it
     * can be iterated without allocation or locking. Do not modify it.
     */
    public Port[] ports() {
        return ports;
    }

    public Fdb fdb() {
        return fdb;
    }

    public SwitchCounters counters() {
        return counters;
    }

    /** Receives up to one batch from ingress and forwards it; returns frames received (0 = would block). */
    public int pollOnce(Port ingress, FrameBatch scratch) {
        try {
            int received = ingress.receive(scratch);
            if (!scratch.isEmpty()) {
                forward(ingress, scratch);
            }
            return received;
        } finally {
            ingress.afterForward();
        }
    }

    /**
     * Forwards every frame of the batch that arrived on ingress, taking ownership of all of them, clears the batch
     * and flushes every egress port it queued frames on. A batch from a port that is down or not attached is dropped
     * as PORT_DOWN.
     *
     * <p>FDB events are counted per source, not per frame: consecutive frames of one source in a batch are learned
     * once.
     */
    public void forward(Port ingress, FrameBatch batch) {
        final int n = batch.size();
        if (n == 0) {
            return;
        }
        final int in = ingress.index();
        final Port[] byIndex = portsByIndex;
        if (in < 0 || in >= byIndex.length || byIndex[in] != ingress || !ingress.isUp()) {
            dropAll(ingress, batch, DropReason.PORT_DOWN);
            return;
        }
        // Capture off: one field load and a not-taken branch per batch.
        final CaptureTap tap = ingress.captureTap();
        if (tap != null) {
            tap.captureRx(batch.frames, n);
        }
        final long nowNs = nanoClock.getAsLong();
        // Anti-spoofing costs one compare per frame, and only on a pinned port (pinned is -1 otherwise).
        final long pinned = ingress.pinnedSrcMac();
        final Fdb table = fdb;
        final boolean learning = table.ageingNs() != 0;
        final ByteBuf[] frames = batch.frames;
        final int[] dropAt = dropSlots;
        final DropReason[] why = dropReasons;
        final int[] unicastAt = unicastSlots;
        final int[] unicastTo = unicastPorts;
        final int[] floodAt = floodSlots;
        int drops = 0;
        int unicasts = 0;
        int floods = 0;
        long lastSrc = -1;

        // Classify: learn each source, then decide drop, unicast or flood. No frame is released or sent here.
        for (int i = 0; i < n; i++) {
            final ByteBuf f = frames[i];
            if (f.readableBytes() < Frames.HEADER_BYTES) {
                dropAt[drops] = i;
                why[drops++] = DropReason.RUNT;
                continue;
            }
            final long src = Frames.srcMac(f);
            if (!Frames.isValidSource(src)) {
                dropAt[drops] = i;
                why[drops++] = DropReason.INVALID_SRC_MAC;
                continue;
            }
            if (pinned >= 0 && src != pinned) {
                dropAt[drops] = i;
                why[drops++] = DropReason.SPOOFED_SRC_MAC;
                continue;
            }
            if (learning && src != lastSrc) {
                table.learn(Fdb.key(VLAN, src), in, nowNs);
                lastSrc = src;
            }
            final long dst = Frames.dstMac(f);
            if (Frames.isMulticast(dst)) {
                if (Frames.isLinkLocal(dst)) {
                    dropAt[drops] = i;
                    why[drops++] = DropReason.LINK_LOCAL;
                } else {
                    floodAt[floods++] = i;
                }
                continue;
            }
            final int out = table.lookup(Fdb.key(VLAN, dst), nowNs);
            if (out < 0) {
                floodAt[floods++] = i;
            } else if (out == in) {
                dropAt[drops] = i;
                why[drops++] = DropReason.SAME_PORT;
            } else {
                unicastAt[unicasts] = i;
                unicastTo[unicasts++] = out;
            }
        }

        touchedCount = 0;
        if (++stamp == 0) {
            // After 2^32 batches: restart the stamps so a port last touched 2^32 batches ago is not taken as touched.
            Arrays.fill(touchedStamps, 0);
            stamp = 1;
        }
        if (drops > 0) {
            final PortCounters c = ingress.counters();
            for (int k = 0; k < drops; k++) {
                frames[dropAt[k]].release();
                c.drop(why[k]);
            }
        }
        if (unicasts > 0) {
            sendUnicast(frames, unicasts, byIndex, ingress);
        }
        if (floods > 0) {
            flood(frames, floods, ingress);
        }
        batch.clear();
        flushTouched();
    }

    private void sendUnicast(ByteBuf[] frames, int unicasts, Port[] byIndex, Port ingress) {
        final int[] unicastAt = unicastSlots;
        final int[] unicastTo = unicastPorts;
        int sent = 0;
        for (int k = 0; k < unicasts; k++) {
            final ByteBuf f = frames[unicastAt[k]];
            final Port egress = byIndex[unicastTo[k]];
            if (egress == null) {
                // A static entry added for an index no port holds yet.
                f.release();
                ingress.counters().drop(DropReason.PORT_DOWN);
                continue;
            }
            if (wireL3Bytes(f) > egress.mtuBytes()) {
                f.release();
                egress.counters().drop(DropReason.EGRESS_MTU);
                continue;
            }
            egress.transmit(f);
            touch(egress);
            sent++;
        }
        counters.unicastFrames += sent;
    }

    private void flood(ByteBuf[] frames, int floods, Port ingress) {
        final Port[] all = ports;
        final Port[] targets = floodTargets;
        int m = 0;
        int minMtu = Integer.MAX_VALUE;
        for (Port p : all) {
            if (p != ingress && p.isUp()) {
                targets[m++] = p;
                minMtu = Math.min(minMtu, p.mtuBytes());
            }
        }
        final int[] floodAt = floodSlots;
        counters.floodedFrames += floods;
        if (m == 0) {
            // A switch with one up port: nowhere to flood to, which is not a drop.
            for (int k = 0; k < floods; k++) {
                frames[floodAt[k]].release();
            }
            return;
        }
        for (int k = 0; k < floods; k++) {
            final ByteBuf f = frames[floodAt[k]];
            final int size = wireL3Bytes(f);
            if (size <= minMtu) {
                if (m > 1) {
                    f.retain(m - 1);
                }
                for (int t = 0; t < m; t++) {
                    targets[t].transmit(f);
                }
            } else {
                floodOversized(f, size, targets, m);
            }
        }
        for (int t = 0; t < m; t++) {
            touch(targets[t]);
            targets[t] = null;
        }
    }

    /** Floods a frame that some targets' MTU refuses: each such target counts EGRESS_MTU. */
    private static void floodOversized(ByteBuf f, int size, Port[] targets, int m) {
        int fit = 0;
        for (int t = 0; t < m; t++) {
            if (size <= targets[t].mtuBytes()) {
                fit++;
            } else {
                targets[t].counters().drop(DropReason.EGRESS_MTU);
            }
        }
        if (fit == 0) {
            f.release();
            return;
        }
        if (fit > 1) {
            f.retain(fit - 1);
        }
        for (int t = 0; t < m; t++) {
            if (size <= targets[t].mtuBytes()) {
                targets[t].transmit(f);
            }
        }
    }

    /** What the egress MTU limits: the frame's payload, or with vnet headers the size of its GSO segments. */
    private int wireL3Bytes(ByteBuf f) {
        return vnetHeaders ? VnetHeader.wireL3Bytes(f) : Frames.payloadBytes(f);
    }

    private void touch(Port egress) {
        final int i = egress.index();
        if (touchedStamps[i] != stamp) {
            touchedStamps[i] = stamp;
            touched[touchedCount++] = egress;
        }
    }

    /** Flushes each touched port once. A port whose flush throws is counted, logged and taken down; others go on. */
    private void flushTouched() {
        final Port[] list = touched;
        final int count = touchedCount;
        touchedCount = 0;
        for (int k = 0; k < count; k++) {
            final Port p = list[k];
            list[k] = null;
            try {
                p.flush();
            } catch (RuntimeException e) {
                p.counters().errors++;
                p.setUp(false);
                LOG.log(System.Logger.Level.WARNING, p + " failed to send and was taken down", e);
            }
        }
    }

    private static void dropAll(Port ingress, FrameBatch batch, DropReason reason) {
        final int n = batch.size();
        final ByteBuf[] frames = batch.frames;
        for (int i = 0; i < n; i++) {
            frames[i].release();
            ingress.counters().drop(reason);
        }
        batch.clear();
    }

    /** Removes up to maxEntries expired FDB entries, and entries of detached ports; for a timer, bounded per tick. */
    public int ageOut(int maxEntries) {
        return fdb.ageOut(nanoClock.getAsLong(), maxEntries);
    }

    private static Port[] compact(Port[] byIndex) {
        int count = 0;
        for (Port p : byIndex) {
            if (p != null) {
                count++;
            }
        }
        Port[] out = new Port[count];
        int at = 0;
        for (Port p : byIndex) {
            if (p != null) {
                out[at++] = p;
            }
        }
        return out;
    }
}
