package io.uniswitch.bench.e2e;

import io.uniswitch.netlab.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU time over one measurement, from two readings of {@code /proc}: the switch process's user + system time
 * ({@code /proc/PID/stat} fields utime and stime, all its threads), and the whole host's system + softirq time
 * ({@code /proc/stat}, first line, all CPUs). The kernel bridge has no process of its own, so the host figure is the
 * only one it has; it also holds the endpoints' own network stacks (iperf3, ping), so it is an upper bound of what
 * any switch costs, and it is comparable between switches because the endpoints are the same for all of them.
 *
 * <p>Created and read on the benchmark's main thread.
 */
final class CpuMeter {
    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** USER_HZ, the unit of /proc times: 100 on every mainstream Linux architecture, read once from getconf. */
    private static volatile double ticksPerSecond;

    private final long pid;
    private final double process0;
    private final double kernel0;

    /** CPU seconds over the window: {@code processSeconds} is NaN when there is no process (the kernel bridge). */
    record Use(double processSeconds, double kernelSeconds) {
    }

    private CpuMeter(long pid) {
        this.pid = pid;
        this.process0 = processSeconds(pid);
        this.kernel0 = kernelSeconds();
    }

    /** Starts a window for process {@code pid}, or for the host only when {@code pid} is -1. */
    static CpuMeter start(long pid) {
        return new CpuMeter(pid);
    }

    /** CPU used since {@link #start}. */
    Use stop() {
        double process1 = processSeconds(pid);
        double kernel1 = kernelSeconds();
        return new Use(process1 - process0, kernel1 - kernel0);
    }

    /** utime + stime of {@code pid} in seconds; NaN for -1 or a process that is gone. */
    static double processSeconds(long pid) {
        if (pid < 0) {
            return Double.NaN;
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return Double.NaN;
        }
        // The command name (field 2) is in parentheses and may contain spaces; fields count from after it.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Field 3 (state) is fields[0], so utime (14) and stime (15) are fields[11] and fields[12].
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks / ticksPerSecond();
    }

    /** The host's system + softirq time in seconds, summed over CPUs. */
    static double kernelSeconds() {
        String first;
        try {
            first = Files.readAllLines(PROC_STAT).get(0);
        } catch (IOException e) {
            return Double.NaN;
        }
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice
        String[] fields = first.trim().split("\\s+");
        long ticks = Long.parseLong(fields[3]) + Long.parseLong(fields[7]);
        return ticks / ticksPerSecond();
    }

    private static double ticksPerSecond() {
        if (ticksPerSecond == 0) {
            double hz = 100;
            try {
                Cmd.Result r = Cmd.runAllowFail(Duration.ofSeconds(10), "getconf", "CLK_TCK");
                if (r.ok()) {
                    hz = Double.parseDouble(r.stdout().strip());
                }
            } catch (RuntimeException e) {
                // No getconf: keep USER_HZ's usual 100.
                hz = 100;
            }
            ticksPerSecond = hz;
        }
        return ticksPerSecond;
    }
}
