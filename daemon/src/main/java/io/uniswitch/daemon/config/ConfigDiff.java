package io.uniswitch.daemon.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload must do to turn the running config into the desired one: desired minus running gives the ports to
 * add, running minus desired the ports to remove, and a port whose settings differ is changed (removed and added
 * again). Ports that are the same are left alone, so their traffic is not disturbed.
 *
 * <p>Settings that cannot change while the switch runs (the switch name, FDB capacity, control socket, busy-poll) are
 * listed in {@link #needRestart()}; a reload applies the rest and reports those.
 */
public record ConfigDiff(List<PortConfig> added, List<String> removed, List<PortConfig> changed,
        List<StaticEntry> staticAdded, List<StaticEntry> staticRemoved, boolean ageingChanged,
        List<String> needRestart) {

    public static ConfigDiff of(SwitchConfig running, SwitchConfig desired) {
        List<PortConfig> added = new ArrayList<>();
        List<PortConfig> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (PortConfig d : desired.ports()) {
            PortConfig r = running.port(d.name());
            if (r == null) {
                added.add(d);
            } else if (!sameSettings(r, d)) {
                changed.add(d);
            }
        }
        for (PortConfig r : running.ports()) {
            if (desired.port(r.name()) == null) {
                removed.add(r.name());
            }
        }
        List<StaticEntry> staticAdded = new ArrayList<>();
        List<StaticEntry> staticRemoved = new ArrayList<>();
        for (StaticEntry d : desired.staticEntries()) {
            if (!containsEntry(running.staticEntries(), d)) {
                staticAdded.add(d);
            }
        }
        for (StaticEntry r : running.staticEntries()) {
            if (!containsEntry(desired.staticEntries(), r)) {
                staticRemoved.add(r);
            }
        }
        List<String> restart = new ArrayList<>();
        if (!running.switchName().equals(desired.switchName())) {
            restart.add("switch name");
        }
        if (running.fdbMaxEntries() != desired.fdbMaxEntries()
                || running.fdbMaxEntriesPerPort() != desired.fdbMaxEntriesPerPort()) {
            restart.add("fdb capacity");
        }
        if (!running.controlSocket().equals(desired.controlSocket())
                || !java.util.Objects.equals(running.controlGroup(), desired.controlGroup())) {
            restart.add("control socket");
        }
        if (!running.busyPoll().equals(desired.busyPoll())) {
            restart.add("dataplane.busy-poll");
        }
        if (running.ringBytes() != desired.ringBytes()) {
            restart.add("dataplane.ring");
        }
        if (running.vnetOffloads() != desired.vnetOffloads()) {
            restart.add("dataplane.offloads");
        }
        if (!java.util.Objects.equals(running.metricsAddress(), desired.metricsAddress())) {
            restart.add("metrics.address");
        }
        return new ConfigDiff(List.copyOf(added), List.copyOf(removed), List.copyOf(changed), List.copyOf(staticAdded),
                List.copyOf(staticRemoved), !running.ageing().equals(desired.ageing()), List.copyOf(restart));
    }

    /** Same port settings, ignoring where in the file the port was declared. */
    static boolean sameSettings(PortConfig a, PortConfig b) {
        return a.type() == b.type() && a.mtuBytes() == b.mtuBytes() && Objects.equals(a.address(), b.address())
                && a.mac() == b.mac() && a.persist() == b.persist() && a.queueFrames() == b.queueFrames()
                && a.tenderMode() == b.tenderMode() && Objects.equals(a.user(), b.user())
                && Objects.equals(a.group(), b.group()) && a.command().equals(b.command())
                && a.stopTimeout().equals(b.stopTimeout()) && Objects.equals(a.socket(), b.socket())
                && a.qemuMode() == b.qemuMode() && a.connect() == b.connect() && a.bufferBytes() == b.bufferBytes();
    }

    private static boolean containsEntry(List<StaticEntry> list, StaticEntry e) {
        for (StaticEntry x : list) {
            if (x.mac() == e.mac() && x.vlan() == e.vlan() && x.port().equals(e.port())) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && staticAdded.isEmpty()
                && staticRemoved.isEmpty() && !ageingChanged;
    }

    /** One line for the log and the CLI: "ports +2 -1 ~1, static +1 -0, ageing changed". */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("ports added ").append(names(added)).append(", removed ").append(removed.isEmpty() ? "none"
                : String.join(" ", removed)).append(", changed ").append(names(changed));
        sb.append("; static entries +").append(staticAdded.size()).append(" -").append(staticRemoved.size());
        if (ageingChanged) {
            sb.append("; fdb ageing changed");
        }
        if (!needRestart.isEmpty()) {
            sb.append("; needs a restart to apply: ").append(String.join(", ", needRestart));
        }
        return sb.toString();
    }

    private static String names(List<PortConfig> ports) {
        if (ports.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (PortConfig p : ports) {
            sb.append(sb.length() == 0 ? "" : " ").append(p.name());
        }
        return sb.toString();
    }
}
