package io.uniswitch.daemon.config;

import java.util.Locale;

/** How a {@code tender} port reaches its tender. */
public enum TenderMode {
    /** Through a tap the switch provisions and the tender attaches by name ({@code --net:NAME=TAP}). */
    TAP;

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
