package io.uniswitch.daemon.run;

import io.uniswitch.tap.device.NetInterfaces;
import io.uniswitch.tap.device.Offloads;
import io.uniswitch.tap.linux.NativeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The original MTU and offloads of the interfaces the switch has changed, kept in a file beside the control socket
 * ({@code <switch>.restore}) for as long as they are changed. A clean stop puts them back from memory; a switch that
 * was killed (SIGKILL, the systemd watchdog's SIGABRT, out of memory) cannot, and the next start would otherwise
 * take the changed values for the originals and keep them forever. So the next start reads this file: an interface
 * it attaches again keeps the recorded original (put back at its clean stop), and one no longer in the config is
 * put back at once. The file lives under /run, so a reboot, which resets the interfaces, also forgets it.
 *
 * <p>One line per interface: {@code name mtu gro gso tso tx}, with {@code -} for a value not changed. Written
 * before each change (to a temporary file, then renamed), so a crash at any point leaves either the old or the
 * new record. Control thread; methods are synchronized for the stop hook.
 */
final class InterfaceLedger {
    private static final System.Logger LOG = System.getLogger(InterfaceLedger.class.getName());
    private static final String UNCHANGED = "-";

    /** What was there before the switch changed it; null for what it has not changed. */
    record Original(Integer mtu, Offloads.State offloads) {
    }

    private final Path file;
    private final Map<String, Original> entries = new LinkedHashMap<>();

    private InterfaceLedger(Path file) {
        this.file = file;
    }

    /** The ledger of switch {@code switchName}, beside its control socket; reads what a killed switch left. */
    static InterfaceLedger open(Path controlSocket, String switchName) {
        InterfaceLedger l = new InterfaceLedger(controlSocket.resolveSibling(switchName + ".restore"));
        l.read();
        return l;
    }

    Path file() {
        return file;
    }

    /** The MTU to put back at stop: the recorded original, or {@code current} when none is recorded. */
    synchronized int originalMtu(String ifname, int current) {
        Original o = entries.get(ifname);
        return o != null && o.mtu() != null ? o.mtu() : current;
    }

    /** The offloads to put back at stop: the recorded original, or {@code current} when none is recorded. */
    synchronized Offloads.State originalOffloads(String ifname, Offloads.State current) {
        Original o = entries.get(ifname);
        return o != null && o.offloads() != null ? o.offloads() : current;
    }

    /** Records an original MTU before the switch changes it. */
    synchronized void recordMtu(String ifname, int mtu) {
        Original o = entries.get(ifname);
        entries.put(ifname, new Original(mtu, o == null ? null : o.offloads()));
        write();
    }

    /** Records original offloads before the switch changes them. */
    synchronized void recordOffloads(String ifname, Offloads.State offloads) {
        Original o = entries.get(ifname);
        entries.put(ifname, new Original(o == null ? null : o.mtu(), offloads));
        write();
    }

    /** Forgets an original MTU once it was put back. */
    synchronized void forgetMtu(String ifname) {
        Original o = entries.get(ifname);
        if (o != null && o.mtu() != null) {
            update(ifname, new Original(null, o.offloads()));
        }
    }

    /** Forgets original offloads once they were put back. */
    synchronized void forgetOffloads(String ifname) {
        Original o = entries.get(ifname);
        if (o != null && o.offloads() != null) {
            update(ifname, new Original(o.mtu(), null));
        }
    }

    /**
     * Puts back what a killed switch left changed on interfaces this start will not attach (they left the config,
     * or run without changes now), and forgets them. An interface that is gone has nothing to put back.
     */
    synchronized void restoreAllBut(Set<String> attaching) {
        for (String name : new ArrayList<>(entries.keySet())) {
            if (attaching.contains(name)) {
                continue;
            }
            Original o = entries.get(name);
            try {
                if (NetInterfaces.exists(name)) {
                    if (o.offloads() != null) {
                        Offloads.set(name, o.offloads());
                    }
                    if (o.mtu() != null) {
                        NetInterfaces.setMtu(name, o.mtu());
                    }
                    LOG.log(System.Logger.Level.INFO, "interface " + name + ": put back what a previous switch "
                            + "left changed" + describe(o) + " (from " + file + ")");
                }
            } catch (NativeException e) {
                LOG.log(System.Logger.Level.WARNING, "interface " + name + ": cannot put back" + describe(o) + ": "
                        + e.getMessage());
            }
            update(name, new Original(null, null));
        }
    }

    private static String describe(Original o) {
        return (o.mtu() != null ? ", mtu " + o.mtu() : "") + (o.offloads() != null ? ", offloads "
                + o.offloads().describe() : "");
    }

    private void update(String ifname, Original o) {
        if (o.mtu() == null && o.offloads() == null) {
            entries.remove(ifname);
        } else {
            entries.put(ifname, o);
        }
        write();
    }

    private void read() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String[] f = line.trim().split(" ");
                if (f.length != 6) {
                    continue;
                }
                Integer mtu = f[1].equals(UNCHANGED) ? null : Integer.valueOf(f[1]);
                Offloads.State off = f[2].equals(UNCHANGED) ? null
                        : new Offloads.State(f[2].equals("1"), f[3].equals("1"), f[4].equals("1"), f[5].equals("1"));
                entries.put(f[0], new Original(mtu, off));
            }
            if (!entries.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "a previous switch stopped without putting back what it changed "
                        + "on " + String.join(", ", entries.keySet()) + " (it was killed?); the originals recorded in "
                        + file + " will be put back");
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + file + ": " + e.getMessage()
                    + "; interfaces a killed switch changed keep their current settings");
        }
    }

    private void write() {
        try {
            if (entries.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            List<String> lines = new ArrayList<>();
            for (Map.Entry<String, Original> e : entries.entrySet()) {
                Original o = e.getValue();
                Offloads.State s = o.offloads();
                lines.add(e.getKey() + " " + (o.mtu() == null ? UNCHANGED : o.mtu().toString()) + " "
                        + (s == null ? "- - - -" : bit(s.gro()) + " " + bit(s.gso()) + " " + bit(s.tso()) + " "
                        + bit(s.txChecksum())));
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, lines, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write " + file + ": " + e.getMessage()
                    + "; if the switch is killed, the interfaces it changed keep their changed settings");
        }
    }

    private static String bit(boolean b) {
        return b ? "1" : "0";
    }
}
