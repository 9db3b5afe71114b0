package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.control.CaptureProtocol;
import io.uniswitch.daemon.control.ControlClient;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code uniswitch capture PORT [-w FILE] [FILTER...]}: mirrors the frames a port receives and sends, as the switch
 * sees them, into a pcap file or stdout. The switch filters (libpcap's pcap-filter language, compiled in the switch)
 * and copies into a bounded ring; a reader too slow for the traffic loses frames, counted in the summary, and never
 * slows forwarding. Ctrl-C, SIGTERM or {@code --count} end it with a complete file and a summary on stderr.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Capture a port's frames (both directions) to a pcap file or stdout, like tcpdump -w.",
            "Examples:  uniswitch capture tap100 -w tap100.pcap icmp or arp",
            "           uniswitch capture eth0 -w - tcp port 22 | tcpdump -n -r -"})
final class CaptureCommand implements Callable<Integer> {
    /** After a stop request, how long the switch gets to send the rest and its summary. */
    private static final long STOP_GRACE_MS = 5000;

    @Mixin
    SocketOptions where;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PORT", description = "the port to capture (`uniswitch show` lists them)")
    String port;

    @Parameters(index = "1..*", paramLabel = "FILTER",
            description = "pcap-filter expression (man 7 pcap-filter); words are joined as tcpdump does")
    List<String> filterWords = new ArrayList<>();

    @Option(names = {"-w", "--write"}, paramLabel = "FILE",
            description = "pcap file to write, or - for stdout (default: -)")
    String file = "-";

    @Option(names = "--snaplen", paramLabel = "BYTES",
            description = "bytes kept per frame, 1..262144 (default: 262144, whole frames)")
    int snaplen = CaptureProtocol.DEFAULT_SNAPLEN;

    @Option(names = "--count", paramLabel = "N", description = "stop after N frames (default: until Ctrl-C)")
    long count;

    private final AtomicBoolean stopping = new AtomicBoolean();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (snaplen < 1 || snaplen > CaptureProtocol.DEFAULT_SNAPLEN) {
            err.println("uniswitch: --snaplen " + snaplen + " is out of range 1.." + CaptureProtocol.DEFAULT_SNAPLEN);
            return ExitCodes.USAGE;
        }
        if (count < 0) {
            err.println("uniswitch: --count " + count + ": expected >= 0");
            return ExitCodes.USAGE;
        }
        boolean toStdout = "-".equals(file);
        if (toStdout && System.console() != null) {
            err.println("uniswitch: stdout is a terminal and pcap is binary: give -w FILE, or pipe into "
                    + "`tcpdump -n -r -`");
            return ExitCodes.USAGE;
        }
        Path socket;
        try {
            socket = where.resolve();
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("uniswitch: " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        }
        String filter = String.join(" ", filterWords);
        ControlClient client = new ControlClient(socket);
        ObjectNode request = client.newRequest(CaptureProtocol.CMD);
        request.put("port", port);
        request.put("filter", filter);
        request.put("snaplen", snaplen);
        ControlClient.Stream stream;
        try {
            stream = client.openStream(request);
        } catch (ControlClient.ControlException e) {
            err.println("uniswitch: capture on port " + port + " refused: " + e.getMessage());
            err.flush();
            return e.unreachable() ? ExitCodes.UNREACHABLE : ExitCodes.FAILURE;
        }
        try (stream) {
            OutputStream out;
            try {
                out = new BufferedOutputStream(toStdout ? new FileOutputStream(FileDescriptor.out)
                        : Files.newOutputStream(Path.of(file)), 64 * 1024);
            } catch (IOException | RuntimeException e) {
                err.println("uniswitch: cannot write " + file + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
            Signals.onTermOrIntEvenIfIgnored(() -> requestStop(stream));
            err.println("uniswitch: capturing on port " + port + (filter.isEmpty() ? "" : " (" + filter + ")")
                    + ", writing " + (toStdout ? "stdout" : file) + "; Ctrl-C to stop");
            err.flush();
            return copy(stream, out, err);
        } catch (IOException e) {
            err.println("uniswitch: capture on port " + port + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
    }

    /** Asks the switch to stop: half-close, then close outright if it has not finished within the grace period. */
    private void requestStop(ControlClient.Stream stream) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            stream.channel().shutdownOutput();
        } catch (IOException e) {
            // Already closed: the copy loop ends by itself.
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(STOP_GRACE_MS);
                stream.close();
            } catch (InterruptedException | IOException e) {
                // Nothing to do: the process is ending.
            }
        }, "uniswitch-capture-stop");
        t.setDaemon(true);
        t.start();
    }

    /** Copies the pcap stream to out until the end marker; prints the summary; returns the exit code. */
    private int copy(ControlClient.Stream stream, OutputStream out, PrintWriter err) throws IOException {
        DataInputStream in = new DataInputStream(stream.in());
        byte[] header = new byte[24];
        byte[] record = new byte[16];
        byte[] data = new byte[snaplen];
        long written = 0;
        boolean outputOk = true;
        JsonNode summary = null;
        try {
            in.readFully(header);
            if (le(header, 0) != 0xa1b23c4d) {
                throw new IOException("the switch sent no pcap header");
            }
            outputOk = write(out, header, 0, header.length);
            while (true) {
                in.readFully(record);
                int kept = le(record, 8);
                if (kept == CaptureProtocol.END_MARKER) {
                    summary = new ObjectMapper().readTree(readLine(in));
                    break;
                }
                if (kept < 0 || kept > data.length) {
                    throw new IOException("malformed capture record of " + Integer.toUnsignedString(kept) + " bytes");
                }
                in.readFully(data, 0, kept);
                if (outputOk && (count == 0 || written < count)) {
                    outputOk = write(out, record, 0, record.length) && write(out, data, 0, kept);
                    written++;
                    if (count > 0 && written == count) {
                        requestStop(stream);
                    }
                }
                if (!outputOk) {
                    // The reader of our output left (e.g. `| tcpdump -c`): stop and discard the rest.
                    requestStop(stream);
                } else if (in.available() == 0) {
                    outputOk = flush(out);
                }
            }
        } catch (EOFException | java.nio.channels.ClosedChannelException e) {
            summary = null;
        } catch (IOException e) {
            if (!stopping.get()) {
                throw e;
            }
        } finally {
            if (outputOk) {
                flush(out);
            }
            try {
                out.close();
            } catch (IOException e) {
                // The reader left; the summary below still goes to stderr.
            }
        }
        if (summary == null) {
            err.printf(Locale.ROOT, "%d frames captured; the capture ended without the switch's summary "
                    + "(did the switch stop?)%n", written);
            err.flush();
            return ExitCodes.FAILURE;
        }
        err.printf(Locale.ROOT, "%d frames captured, %d dropped by uniswitch (reader too slow)%n", written,
                summary.path("droppedFrames").asLong());
        err.flush();
        return ExitCodes.OK;
    }

    private static boolean write(OutputStream out, byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean flush(OutputStream out) {
        try {
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readLine(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
