package io.uniswitch.daemon.config;

import io.uniswitch.bridge.port.NetdevPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A validated switch configuration, as read from a YAML file by {@link ConfigLoader}.
 *
 * @param switchName           the switch's name (also names the default control socket)
 * @param ageing               FDB ageing time; zero means the switch does not learn
 * @param fdbMaxEntries        FDB capacity
 * @param fdbMaxEntriesPerPort how many entries one port may hold, so a MAC flood on one port cannot crowd out the rest
 * @param ports                the ports, in declaration order
 * @param staticEntries        static FDB entries
 * @param controlSocket        path of the control socket
 * @param controlGroup         a group allowed to use the control socket besides its owner, or null (owner only)
 * @param busyPoll             how long the data-plane loop keeps polling after I/O before it sleeps
 * @param vnetOffloads         offload mode vnet in effect: frames carry a virtio_net_hdr, interfaces keep GRO/GSO/TSO
 *                             and checksum offloads, super-frames are passed through (every port supports it)
 * @param offloadsAuto         the mode was chosen by {@code offloads: auto} (the default) rather than set
 * @param ringBytes            receive ring per packet-socket port (netdev, tender tap), or 0 for the default of the
 *                             offload mode ({@link #DEFAULT_RING_BYTES}, {@link #DEFAULT_VNET_RING_BYTES})
 * @param metricsAddress       where the Prometheus endpoint listens ({@code host:port}), or null when it is off
 * @param source               where the config came from, for messages
 */
public record SwitchConfig(String switchName, Duration ageing, int fdbMaxEntries, int fdbMaxEntriesPerPort,
        List<PortConfig> ports, List<StaticEntry> staticEntries, Path controlSocket, String controlGroup,
        Duration busyPoll, boolean vnetOffloads, boolean offloadsAuto, int ringBytes,
        String metricsAddress, String source) {

    public static final int DEFAULT_RING_BYTES = NetdevPort.RING_BYTES;
    public static final int DEFAULT_VNET_RING_BYTES = NetdevPort.VNET_RING_BYTES;

    /** The receive ring size in effect: the configured one, or the offload mode's default. */
    public int effectiveRingBytes() {
        return ringBytes > 0 ? ringBytes : vnetOffloads ? DEFAULT_VNET_RING_BYTES : DEFAULT_RING_BYTES;
    }

    /** Loopback only by default: the endpoint has no authentication. */
    public static final String DEFAULT_METRICS_ADDRESS = "127.0.0.1:9477";

    /**
     * 50 us: a reply within that window (the next segment, a ping's answer) costs no thread wakeup (tens of
     * microseconds on a VM); an idle switch still sleeps.
     */
    public static final Duration DEFAULT_BUSY_POLL = Duration.ofNanos(50_000);

    public static final Duration DEFAULT_AGEING = Duration.ofSeconds(300);
    public static final int DEFAULT_FDB_MAX_ENTRIES = 8192;
    public static final int DEFAULT_FDB_MAX_ENTRIES_PER_PORT = 4096;
    public static final Path DEFAULT_SOCKET_DIR = Path.of("/run/uniswitch");

    public static Path defaultControlSocket(String switchName) {
        return DEFAULT_SOCKET_DIR.resolve(switchName + ".sock");
    }

    /** The port declared with this name, or null. */
    public PortConfig port(String name) {
        for (PortConfig p : ports) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
