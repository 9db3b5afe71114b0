package io.uniswitch.daemon.config;

import java.util.Locale;

/** How a {@code tender} port reaches its tender. */
public enum TenderMode {
    /** Through a tap the switch provisions and the tender attaches by name ({@code --net:NAME=TAP}). */
    TAP,
    /**
     * Through an AF_UNIX SOCK_SEQPACKET socketpair whose far end the supervised tender gets as fd 3
     * ({@code --net:NAME=@3}). Needs {@code command:}. Released solo5 tenders (up to at least v0.12.1) reject
     * {@code @N}; this mode is for tenders that accept it.
     */
    FD;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TenderMode parse(String s) {
        for (TenderMode m : values()) {
            if (m.configName().equals(s)) {
                return m;
            }
        }
        return null;
    }
}
