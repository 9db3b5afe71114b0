package io.uniswitch.tap.linux;

/** {@code <linux/sockios.h>}: interface ioctls; each takes a pointer to a {@code struct ifreq} (see {@link If}). */
public final class Sockios {
    public static final long SIOCGIFNAME = 0x8910L;
    public static final long SIOCGIFFLAGS = 0x8913L;
    public static final long SIOCSIFFLAGS = 0x8914L;
    public static final long SIOCGIFADDR = 0x8915L;
    public static final long SIOCSIFADDR = 0x8916L;
    public static final long SIOCGIFNETMASK = 0x891bL;
    public static final long SIOCSIFNETMASK = 0x891cL;
    public static final long SIOCGIFMTU = 0x8921L;
    public static final long SIOCSIFMTU = 0x8922L;
    public static final long SIOCSIFHWADDR = 0x8924L;
    public static final long SIOCGIFHWADDR = 0x8927L;
    public static final long SIOCGIFINDEX = 0x8933L;
    public static final long SIOCETHTOOL = 0x8946L;

    /** {@code ARPHRD_ETHER} from {@code <linux/if_arp.h>}: the sa_family of an Ethernet hardware address. */
    public static final int ARPHRD_ETHER = 1;

    private Sockios() {
    }
}
