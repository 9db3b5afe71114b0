package io.uniswitch.daemon.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.bridge.capture.BpfProgram;
import io.uniswitch.bridge.capture.CaptureTap;
import io.uniswitch.bridge.capture.Pcap;
import io.uniswitch.bridge.loop.Dataplane;
import io.uniswitch.daemon.control.CaptureProtocol;
import io.uniswitch.daemon.control.ControlServer;
import io.uniswitch.tap.device.BpfCompiler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One running {@code capture} request (see {@link CaptureProtocol}): a {@link CaptureTap} on a port, drained into the
 * client's connection as pcap by a thread of its own. The connection is non-blocking: a client that does not read
 * only fills its socket buffer and then the tap's ring, and the loop counts the frames that no longer fit; nothing
 * waits on the client.
 *
 * <p>Threads: {@link #open} runs on the control thread, {@link #run} on the stream's thread, {@link #stop} anywhere.
 * The tap leaves the port in every case where {@link #run} ends (client gone, stop, port removed).
 */
final class CaptureStream implements ControlServer.Stream {
    private static final System.Logger LOG = System.getLogger(CaptureStream.class.getName());
    private static final int OUT_BUFFER_BYTES = 256 * 1024;
    /** Sleep when there was nothing to send or the client would not take it: caps the thread at ~500 wakeups/s. */
    private static final long IDLE_SLEEP_MS = 2;
    /** How long the final drain may wait for a slow client after the capture stopped. */
    private static final long FINAL_DRAIN_MS = 2000;

    private final Dataplane dataplane;
    private final String port;
    private final String filter;
    private final CaptureTap tap;
    private final ObjectNode result;
    private volatile boolean stopRequested;

    private CaptureStream(Dataplane dataplane, String port, String filter, CaptureTap tap, ObjectNode result) {
        this.dataplane = dataplane;
        this.port = port;
        this.filter = filter;
        this.tap = tap;
        this.result = result;
    }

    /**
     * Compiles the filter and starts the tap on the port.
     *
     * @throws IllegalArgumentException for a missing or unknown port, a bad snaplen or a filter libpcap refuses
     */
    static CaptureStream open(Dataplane dataplane, JsonNode request) {
        JsonNode portNode = request.get("port");
        if (portNode == null || !portNode.isTextual() || portNode.asText().isEmpty()) {
            throw new IllegalArgumentException("request is missing \"port\"");
        }
        String port = portNode.asText();
        String filter = request.path("filter").asText("").trim();
        int snaplen = request.path("snaplen").asInt(CaptureProtocol.DEFAULT_SNAPLEN);
        if (snaplen < 1 || snaplen > CaptureTap.MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen " + snaplen + " is out of range 1.." + CaptureTap.MAX_SNAPLEN);
        }
        BpfProgram program;
        if (filter.isEmpty()) {
            program = BpfProgram.acceptAll(snaplen);
        } else {
            try {
                program = new BpfProgram(BpfCompiler.compile(filter, snaplen));
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        CaptureTap tap = new CaptureTap(program, snaplen, CaptureTap.DEFAULT_RING_BYTES);
        try {
            dataplane.startCapture(port, tap);
        } catch (RuntimeException e) {
            tap.detach();
            tap.close();
            throw e;
        }
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("port", port);
        r.put("filter", filter);
        r.put("snaplen", snaplen);
        r.put("linktype", Pcap.LINKTYPE_ETHERNET);
        r.put("ringBytes", CaptureTap.DEFAULT_RING_BYTES);
        LOG.log(System.Logger.Level.INFO, "capture on port " + port + " started"
                + (filter.isEmpty() ? "" : " with filter \"" + filter + "\""));
        return new CaptureStream(dataplane, port, filter, tap, r);
    }

    @Override
    public JsonNode result() {
        return result;
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public void run(SocketChannel channel) {
        final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer in = ByteBuffer.allocate(256);
        final long epochMinusMonotonicNs = epochNs() - System.nanoTime();
        boolean clientThere = true;
        String ending = "stopped by the switch";
        try {
            channel.configureBlocking(false);
            Pcap.putGlobalHeader(out, tap.snaplen());
            while (true) {
                in.clear();
                if (channel.read(in) < 0) {
                    ending = "ended by the client";
                    break;
                }
                if (stopRequested) {
                    break;
                }
                if (tap.isDetached()) {
                    ending = "ended: the port was removed";
                    break;
                }
                tap.drainPcap(out, epochMinusMonotonicNs);
                out.flip();
                int sent = channel.write(out);
                out.compact();
                if (sent == 0) {
                    sleep();
                }
            }
        } catch (IOException e) {
            clientThere = false;
            ending = "ended: the client went away (" + e.getMessage() + ")";
        } finally {
            stopTap();
        }
        if (clientThere) {
            finish(channel, out, epochMinusMonotonicNs);
        }
        tap.close();
        LOG.log(System.Logger.Level.INFO, "capture on port " + port + (filter.isEmpty() ? "" : " (\"" + filter
                + "\")") + " " + ending + ": " + tap.capturedFrames() + " frames captured, " + tap.droppedFrames()
                + " dropped (reader too slow), " + tap.filteredFrames() + " filtered out");
    }

    private void stopTap() {
        try {
            dataplane.stopCapture(port, tap);
        } catch (RuntimeException e) {
            // The loop did not answer (switch stopping): the port's close detaches the tap.
            LOG.log(System.Logger.Level.WARNING, "capture on port " + port + ": cannot stop the tap: "
                    + e.getMessage());
        }
    }

    /** Sends what the ring still holds, the end marker and the summary, within {@link #FINAL_DRAIN_MS}. */
    private void finish(SocketChannel channel, ByteBuffer out, long epochMinusMonotonicNs) {
        final long deadline = System.nanoTime() + FINAL_DRAIN_MS * 1_000_000L;
        try {
            boolean trailerQueued = false;
            while (System.nanoTime() < deadline) {
                if (tap.isDetached()) {
                    tap.drainPcap(out, epochMinusMonotonicNs);
                }
                if (!trailerQueued && !tap.hasPending()) {
                    byte[] summary = summary();
                    if (out.remaining() >= Pcap.RECORD_HEADER_BYTES + summary.length) {
                        for (int i = 0; i < 4; i++) {
                            out.putInt(CaptureProtocol.END_MARKER);
                        }
                        out.put(summary);
                        trailerQueued = true;
                    }
                }
                out.flip();
                int sent = channel.write(out);
                out.compact();
                if (trailerQueued && out.position() == 0) {
                    return;
                }
                if (sent == 0) {
                    sleep();
                }
            }
            LOG.log(System.Logger.Level.WARNING, "capture on port " + port + ": the client did not take the rest "
                    + "of the capture within " + FINAL_DRAIN_MS + " ms");
        } catch (IOException e) {
            // The client left during the final drain: nothing more to tell it.
        }
    }

    private byte[] summary() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("port", port);
        s.put("capturedFrames", tap.capturedFrames());
        s.put("filteredFrames", tap.filteredFrames());
        s.put("droppedFrames", tap.droppedFrames());
        return (s.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static long epochNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void sleep() {
        try {
            Thread.sleep(IDLE_SLEEP_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
