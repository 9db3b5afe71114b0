package io.uniswitch.daemon.config;

/**
 * A static FDB entry: frames to {@code mac} always go to {@code port}; it never ages and learning never moves it.
 *
 * @param mac  the MAC, 48 bits in a long
 * @param port the port name
 * @param vlan VLAN id, 0 for untagged
 * @param line the config line, for error messages
 */
public record StaticEntry(long mac, String port, int vlan, int line) {
}
