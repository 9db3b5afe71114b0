package io.uniswitch.daemon.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 interface address with its prefix length, e.g. {@code 10.0.0.1/24}. */
public record Ipv4Cidr(Inet4Address address, int prefixLength) {

    /**
     * Parses {@code a.b.c.d/n}.
     *
     * @throws IllegalArgumentException naming the bad value and the expected form
     */
    public static Ipv4Cidr parse(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("address \"" + s + "\" has no prefix length; write it as 10.0.0.1/24");
        }
        String ip = s.substring(0, slash);
        String[] octets = ip.split("\\.", -1);
        if (octets.length != 4) {
            throw new IllegalArgumentException("address \"" + s + "\" is not an IPv4 address; write it as 10.0.0.1/24");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = parseSmallInt(octets[i], 255);
            if (v < 0) {
                throw new IllegalArgumentException("address \"" + s + "\": octet \"" + octets[i]
                        + "\" is not a number from 0 to 255; write it as 10.0.0.1/24");
            }
            bytes[i] = (byte) v;
        }
        int prefix = parseSmallInt(s.substring(slash + 1), 32);
        if (prefix < 0) {
            throw new IllegalArgumentException("address \"" + s + "\": prefix length \"" + s.substring(slash + 1)
                    + "\" is not a number from 0 to 32; write it as 10.0.0.1/24");
        }
        try {
            return new Ipv4Cidr((Inet4Address) InetAddress.getByAddress(bytes), prefix);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address \"" + s + "\" is not an IPv4 address", e);
        }
    }

    private static int parseSmallInt(String s, int max) {
        if (s.isEmpty() || s.length() > 3) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
