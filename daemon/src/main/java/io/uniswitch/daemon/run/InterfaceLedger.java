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
 * put back at once. A record is used only while it still describes the interface: the same ifindex (not a new
 * interface of the same name) and still the value the switch applied (not changed since by someone else); otherwise
 * the current value stands. The file lives under /run, so a reboot, which resets the interfaces, also forgets it.
 *
 * <p>One line per interface: {@code name ifindex mtu=ORIGINAL>APPLIED offloads=GSTX>GSTX} (gro, gso, tso, tx as
 * 1/0), each of the last two only when changed. Written before each change (to a temporary file, then renamed), so
 * a crash at any point leaves either the old or the new record. Control thread; methods are synchronized for the
 * stop hook.
 */
final class InterfaceLedger {
    private static final System.Logger LOG = System.getLogger(InterfaceLedger.class.getName());

    /** What was there before the switch changed it and what it set; nulls for what it has not changed. */
    record Entry(int ifindex, Integer mtu, Integer appliedMtu, Offloads.State offloads,
            Offloads.State appliedOffloads) {
        boolean empty() {
            return mtu == null && offloads == null;
        }

        Entry withMtu(Integer original, Integer applied) {
            return new Entry(ifindex, original, applied, offloads, appliedOffloads);
        }

        Entry withOffloads(Offloads.State original, Offloads.State applied) {
            return new Entry(ifindex, mtu, appliedMtu, original, applied);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

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

    /**
     * The MTU to put back at stop: the recorded original while the record still describes the interface, else
     * {@code current} (and a stale record is dropped).
     */
    synchronized int originalMtu(String ifname, int current) {
        Entry e = entries.get(ifname);
        if (e == null || e.mtu() == null) {
            return current;
        }
        if (sameInterface(ifname, e) && e.appliedMtu() == current) {
            return e.mtu();
        }
        stale(ifname, "mtu " + current + ", not the " + e.appliedMtu() + " the switch set");
        update(ifname, e.withMtu(null, null));
        return current;
    }

    /** The offloads to put back at stop: as {@link #originalMtu}. */
    synchronized Offloads.State originalOffloads(String ifname, Offloads.State current) {
        Entry e = entries.get(ifname);
        if (e == null || e.offloads() == null) {
            return current;
        }
        if (sameInterface(ifname, e) && e.appliedOffloads().equals(current)) {
            return e.offloads();
        }
        stale(ifname, "offloads " + current.describe() + ", not what the switch set");
        update(ifname, e.withOffloads(null, null));
        return current;
    }

    /** Records an original MTU and the one about to be set, before the switch sets it. */
    synchronized void recordMtu(String ifname, int original, int applied) {
        update(ifname, entryFor(ifname).withMtu(original, applied));
    }

    /** Records original offloads and those about to be set, before the switch sets them. */
    synchronized void recordOffloads(String ifname, Offloads.State original, Offloads.State applied) {
        update(ifname, entryFor(ifname).withOffloads(original, applied));
    }

    /** Forgets an original MTU once it was put back (or could not be). */
    synchronized void forgetMtu(String ifname) {
        Entry e = entries.get(ifname);
        if (e != null && e.mtu() != null) {
            update(ifname, e.withMtu(null, null));
        }
    }

    /** Forgets original offloads once they were put back (or could not be). */
    synchronized void forgetOffloads(String ifname) {
        Entry e = entries.get(ifname);
        if (e != null && e.offloads() != null) {
            update(ifname, e.withOffloads(null, null));
        }
    }

    /**
     * Puts back what a killed switch left changed on interfaces this start will not attach (they left the config),
     * and forgets them. An interface that is gone, or was changed since, is left as it is.
     */
    synchronized void restoreAllBut(Set<String> attaching) {
        for (String name : new ArrayList<>(entries.keySet())) {
            if (attaching.contains(name)) {
                continue;
            }
            try {
                if (NetInterfaces.exists(name)) {
                    Offloads.State offloads = originalOffloads(name, Offloads.get(name));
                    Offloads.set(name, offloads);
                    int mtu = originalMtu(name, NetInterfaces.mtu(name));
                    NetInterfaces.setMtu(name, mtu);
                    LOG.log(System.Logger.Level.INFO, "interface " + name + ": put back as it was before a previous "
                            + "switch changed it: mtu " + mtu + ", offloads " + offloads.describe() + " (" + file
                            + ")");
                }
            } catch (NativeException e) {
                LOG.log(System.Logger.Level.WARNING, "interface " + name + ": cannot put back what a previous switch "
                        + "changed: " + e.getMessage());
            }
            entries.remove(name);
            write();
        }
    }

    private Entry entryFor(String ifname) {
        Entry e = entries.get(ifname);
        return e != null ? e : new Entry(NetInterfaces.index(ifname), null, null, null, null);
    }

    private static boolean sameInterface(String ifname, Entry e) {
        try {
            return NetInterfaces.index(ifname) == e.ifindex();
        } catch (NativeException gone) {
            return false;
        }
    }

    private void stale(String ifname, String why) {
        LOG.log(System.Logger.Level.INFO, "interface " + ifname + ": the record of a previous switch in " + file
                + " no longer describes it (" + why + ", or a new interface of that name); its current settings "
                + "stand");
    }

    private void update(String ifname, Entry e) {
        if (e.empty()) {
            entries.remove(ifname);
        } else {
            entries.put(ifname, e);
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
                if (f.length < 3) {
                    continue;
                }
                Entry e = new Entry(Integer.parseInt(f[1]), null, null, null, null);
                for (int i = 2; i < f.length; i++) {
                    String[] kv = f[i].split("[=>]");
                    if (kv.length == 3 && kv[0].equals("mtu")) {
                        e = e.withMtu(Integer.valueOf(kv[1]), Integer.valueOf(kv[2]));
                    } else if (kv.length == 3 && kv[0].equals("offloads")) {
                        e = e.withOffloads(state(kv[1]), state(kv[2]));
                    }
                }
                if (!e.empty()) {
                    entries.put(f[0], e);
                }
            }
            if (!entries.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "a previous switch stopped without putting back what it changed "
                        + "on " + String.join(", ", entries.keySet()) + " (it was killed?); the originals recorded in "
                        + file + " will be put back");
            }
        } catch (IOException | RuntimeException e) {
            entries.clear();
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
            for (Map.Entry<String, Entry> me : entries.entrySet()) {
                Entry e = me.getValue();
                lines.add(me.getKey() + " " + e.ifindex()
                        + (e.mtu() == null ? "" : " mtu=" + e.mtu() + ">" + e.appliedMtu())
                        + (e.offloads() == null ? "" : " offloads=" + bits(e.offloads()) + ">"
                        + bits(e.appliedOffloads())));
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

    private static String bits(Offloads.State s) {
        return (s.gro() ? "1" : "0") + (s.gso() ? "1" : "0") + (s.tso() ? "1" : "0") + (s.txChecksum() ? "1" : "0");
    }

    private static Offloads.State state(String bits) {
        if (bits.length() != 4) {
            throw new IllegalArgumentException("offloads \"" + bits + "\" is not four 0/1 digits");
        }
        return new Offloads.State(bits.charAt(0) == '1', bits.charAt(1) == '1', bits.charAt(2) == '1',
                bits.charAt(3) == '1');
    }
}
