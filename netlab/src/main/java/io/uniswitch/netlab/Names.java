package io.uniswitch.netlab;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Unique names for namespaces and interfaces, so parallel runs on one machine never collide and cleanup can remove
 * exactly what a run created. Linux caps interface names at 15 characters (IFNAMSIZ - 1).
 */
public final class Names {
    /** Longest interface name the kernel accepts. */
    public static final int MAX_IFNAME = 15;
    /** Random characters appended by {@link #unique}. */
    public static final int RANDOM_CHARS = 6;
    /** Longest prefix {@link #unique} accepts: it leaves at least four characters for suffixes such as "br0". */
    public static final int MAX_PREFIX = MAX_IFNAME - RANDOM_CHARS - 4;

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]*");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Names() {
    }

    /** Returns {@code prefix} plus six random lowercase letters or digits, e.g. "us" gives "usk3x9qa". */
    public static String unique(String prefix) {
        if (!PREFIX.matcher(prefix).matches() || prefix.length() > MAX_PREFIX) {
            throw new IllegalArgumentException("prefix must be [a-z][a-z0-9]* of at most " + MAX_PREFIX
                    + " characters: " + prefix);
        }
        StringBuilder name = new StringBuilder(prefix);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            name.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return name.toString();
    }

    /** Returns {@code base + suffix} after checking it is a valid interface name (at most 15 characters). */
    public static String ifname(String base, String suffix) {
        return checkIfname(base + suffix);
    }

    /** Throws IllegalArgumentException unless {@code name} is a valid interface name; returns it. */
    public static String checkIfname(String name) {
        if (!IFNAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid interface name (1.." + MAX_IFNAME
                    + " of [A-Za-z0-9_.-]): " + name);
        }
        return name;
    }
}
