package io.uniswitch.daemon.config;

import java.util.Locale;

/** The kinds of port a config file may declare. */
public enum PortType {
    /** A tap device the switch creates and owns; may carry the host's address (the local port). */
    TAP,
    /** An existing interface (uplink, veth, or a tap whose fd a tender holds), reached through an AF_PACKET socket. */
    NETDEV,
    /**
     * A solo5 tender's network: in mode {@code tap} the switch provisions the tap the tender attaches to (persistent,
     * owned by the tender's user, MTU set, offloads off, up) and reaches it from the interface side.
     */
    TENDER,
    /** A VM's NIC over a unix socket the switch listens on or binds: QEMU {@code -netdev stream} or {@code dgram}. */
    QEMU,
    /**
     * A VM's virtio-net device over vhost-user: the switch serves the device on a unix socket, QEMU connects
     * ({@code -netdev vhost-user}) and shares the guest's memory; frames move between guest rings and the switch.
     */
    VHOST_USER;

    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static PortType parse(String s) {
        for (PortType t : values()) {
            if (t.configName().equals(s)) {
                return t;
            }
        }
        return null;
    }
}
