package io.uniswitch.daemon.config;

import java.util.Locale;

/** How a {@code qemu} port talks to QEMU over its unix socket. */
public enum QemuMode {
    /** {@code -netdev stream}: the switch listens, QEMU connects; a 4-byte big-endian length precedes each frame. */
    STREAM,
    /** {@code -netdev dgram}: the switch binds a datagram socket; one frame per datagram. */
    DGRAM;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static QemuMode parse(String s) {
        for (QemuMode m : values()) {
            if (m.configName().equals(s)) {
                return m;
            }
        }
        return null;
    }
}
