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
 * @param command     a {@code tender} port's supervised command (argv with {@code {port}} and {@code {mac}} still in
 *                    it), or an empty list when the tender is started elsewhere
 * @param stopTimeout how long a supervised tender may take to exit after SIGTERM before it gets SIGKILL
 * @param socket      a {@code qemu} port's unix socket path (absolute), null for other types
 * @param qemuMode    a {@code qemu} port's mode, null for other types
 * @param connect     a {@code vhost-user} port in mode client: the VM's front-end owns the socket and the switch
 *                    connects to it; false for every other port
 * @param bufferBytes a {@code tender} port in mode fd: the forced send buffer of the tender's end of the socketpair
 *                    (how far the tender may run ahead of the switch); 0 for other ports
 * @param line        the config line that declares the port, for later error messages
 */
public record PortConfig(String name, PortType type, int mtuBytes, Ipv4Cidr address, long mac, boolean persist,
        TenderMode tenderMode, String user, String group, int queueFrames, java.util.List<String> command,
        java.time.Duration stopTimeout, java.nio.file.Path socket, QemuMode qemuMode, boolean connect, int bufferBytes,
        int line) {

    public static final int DEFAULT_QUEUE_FRAMES = 1024;
    public static final int DEFAULT_TAP_MTU = 1500;
    public static final java.time.Duration DEFAULT_STOP_TIMEOUT = java.time.Duration.ofSeconds(5);
    /**
     * 128 MiB, which the kernel doubles for its bookkeeping: room for 100,000 frames of 1514 bytes (about 2.3 KiB
     * each as the kernel counts them) even if the switch read none of them. Used only while frames wait.
     */
    public static final int DEFAULT_TENDER_BUFFER_BYTES = 128 << 20;

    /** Whether the switch launches and supervises this port's tender. */
    public boolean supervised() {
        return !command.isEmpty();
    }
}
