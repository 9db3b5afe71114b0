package io.uniswitch.bridge.frame;

/**
 * Text form of MAC addresses held as {@code long} (see {@link Frames}). Control path only: both methods allocate.
 * Stateless and thread-safe.
 */
public final class Macs {
    private static final String EXPECTED = "six hex octets separated by ':' or '-', e.g. 02:00:00:00:00:01";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int TEXT_CHARS = 17;

    private Macs() {
    }

    /** Formats the low 48 bits as {@code "02:00:00:00:00:01"} (lower case). */
    public static String format(long mac) {
        char[] text = new char[TEXT_CHARS];
        for (int octet = 0; octet < 6; octet++) {
            int value = (int) (mac >>> (40 - 8 * octet)) & 0xFF;
            int at = octet * 3;
            text[at] = HEX[value >>> 4];
            text[at + 1] = HEX[value & 0xF];
            if (octet < 5) {
                text[at + 2] = ':';
            }
        }
        return new String(text);
    }

    /**
     * Parses {@code "02:00:00:00:00:01"} (or with '-' separators, either case).
     *
     * @throws IllegalArgumentException naming the bad value and the expected form
     */
    public static long parse(String s) {
        if (s == null || s.length() != TEXT_CHARS) {
            throw bad(s);
        }
        char separator = s.charAt(2);
        if (separator != ':' && separator != '-') {
            throw bad(s);
        }
        long mac = 0;
        for (int octet = 0; octet < 6; octet++) {
            int at = octet * 3;
            int high = hexDigit(s.charAt(at));
            int low = hexDigit(s.charAt(at + 1));
            if (high < 0 || low < 0 || (octet < 5 && s.charAt(at + 2) != separator)) {
                throw bad(s);
            }
            mac = (mac << 8) | (high << 4) | low;
        }
        return mac;
    }

    /** ASCII hex only: {@code Character.digit} would also accept other scripts' digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException bad(String s) {
        String shown = s == null ? "null" : "'" + s + "'";
        return new IllegalArgumentException("bad MAC address " + shown + ": expected " + EXPECTED);
    }
}
