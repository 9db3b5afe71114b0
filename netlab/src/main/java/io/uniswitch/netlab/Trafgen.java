package io.uniswitch.netlab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs netsniff-ng's {@code trafgen} inside a namespace to send raw Ethernet frames out of one device, and parses
 * its summary.
 *
 * <p>Load is bounded twice: trafgen sends exactly {@code --num count} frames and exits, and the run is killed (by
 * pid, with its descendants) at the timeout. trafgen runs on one CPU ({@code --cpus 1}: with more, the count is
 * split between forks), and is told to leave the machine alone: {@code --no-sock-mem} (it would otherwise raise the
 * host's core socket memory sysctls) and {@code --notouch-irq} (it would otherwise set IRQ affinities).
 *
 * <p>Pacing, as trafgen 0.6.8 behaves here (measured on a veth pair): {@code --rate Npps} is a one-second bucket,
 * N frames at full speed and then nothing until the second is over (asked for 100k pps, a receiver sampled every
 * 100 ms saw 8k, 54k, 37k, then 0 for half a second), so it is no constant-rate load; {@code --gap} spaces frames
 * evenly but sends each with its own syscall, which tops out near 130k frames/s (a 1 us gap gave 7.6 us per frame).
 * This class therefore offers trafgen's full rate only, through a TX_RING bypassing the qdisc, or through the
 * device's qdisc ({@code --qdisc-path}), where a token bucket set with {@link Links#pace} paces it: the packet
 * socket's send buffer then holds trafgen back (it retries on ENOBUFS), and the frames leave evenly at the bucket's
 * rate. Traffic only leaves from a namespace this process created.
 */
public final class Trafgen {
    private static final Pattern OUTGOING = Pattern.compile("(\\d+) packets outgoing");
    /** The send loop's own duration, per CPU: "1 sec, 12761 usec on CPU0 (1000000 packets)". */
    private static final Pattern LOOP_TIME = Pattern.compile("(\\d+) sec, (\\d+) usec on CPU\\d+");

    private Trafgen() {
    }

    /**
     * Frames sent and the seconds trafgen's send loop took (the wall time of this call when trafgen printed no
     * loop time).
     */
    public record Result(long frames, double seconds) {
        /** Frames per second offered. */
        public double rate() {
            return seconds > 0 ? frames / seconds : Double.NaN;
        }
    }

    /**
     * Sends {@code count} frames described by trafgen packet config {@code packet} (e.g.
     * {@code { eth(da=02:00:00:00:00:02, type=0x88b5), fill(0, 46) }}) out of {@code dev} in {@code from}, as fast
     * as the device (or, with {@code qdiscPath}, its qdisc) takes them. A trafgen that fails throws
     * {@link CmdException}; one that runs past {@code timeout} is killed and throws as well.
     */
    public static Result send(Netns from, String dev, String packet, long count, boolean qdiscPath,
            Duration timeout) {
        Objects.requireNonNull(from, "trafgen runs only inside a namespace this process created");
        if (count < 1 || count > 1_000_000_000L) {
            throw new IllegalArgumentException("count out of range: " + count);
        }
        List<String> argv = new ArrayList<>(List.of(Tools.trafgen(), "--dev", Names.checkIfname(dev),
                "--num", Long.toString(count), "--cpus", "1", "--no-sock-mem", "--notouch-irq"));
        if (qdiscPath) {
            argv.add("--qdisc-path");
        }
        argv.add(packet);
        long t0 = System.nanoTime();
        Cmd.Result r = from.exec(timeout, argv.toArray(new String[0]));
        double wall = (System.nanoTime() - t0) / 1e9;
        return parse(r.stdout() + "\n" + r.stderr(), count, wall);
    }

    /** The summary of a finished run; {@code count} and {@code wallSeconds} stand in for what it did not print. */
    static Result parse(String output, long count, double wallSeconds) {
        Matcher sent = OUTGOING.matcher(output);
        long frames = sent.find() ? Long.parseLong(sent.group(1)) : count;
        Matcher loop = LOOP_TIME.matcher(output);
        double seconds = 0;
        while (loop.find()) {
            seconds = Math.max(seconds, Long.parseLong(loop.group(1)) + Long.parseLong(loop.group(2)) / 1e6);
        }
        return new Result(frames, seconds > 0 ? seconds : wallSeconds);
    }

    /** A MAC address as trafgen's eth() takes it: lowercase, colon-separated. */
    public static String mac(String mac) {
        String m = mac.toLowerCase(Locale.ROOT);
        if (!m.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        return m;
    }
}
