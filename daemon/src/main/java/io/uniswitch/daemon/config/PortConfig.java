package io.uniswitch.daemon.config;

/**
 * One declared port.
 *
 * @param name        interface name (at most 15 bytes)
 * @param type        port type
 * @param mtuBytes    the MTU to set, or 0 to keep the interface's own (tap default 1500)
 * @param address     IPv4 address in CIDR form for a {@code tap} port, or null
 * @param mac         a {@code tap} port: MAC to set on the tap; a {@code tender} port: the unikernel's MAC, the only
 *                    source MAC accepted from it (anti-spoofing); 48 bits in a long, or -1 for none
 * @param persist     whether a {@code tap} port's device survives the switch (TUNSETPERSIST)
 * @param tenderMode  how a {@code tender} port reaches its tender, null for other types
 * @param user        owner of a {@code tender} port's tap (name or uid), so the tender may run as this user; or null
 * @param group       group of a {@code tender} port's tap (name or gid); or null
 * @param queueFrames egress queue length in frames
 * @param line        the config line that declares the port, for later error messages
 */
public record PortConfig(String name, PortType type, int mtuBytes, Ipv4Cidr address, long mac, boolean persist,
        TenderMode tenderMode, String user, String group, int queueFrames, int line) {

    public static final int DEFAULT_QUEUE_FRAMES = 1024;
    public static final int DEFAULT_TAP_MTU = 1500;
}
