package io.uniswitch.tap.linux;

/**
 * {@code <linux/ethtool.h>}, passed through SIOCETHTOOL with {@code ifr_data} pointing at the command's struct.
 * The legacy per-feature commands use {@code struct ethtool_value {u32 cmd; u32 data;}}; the kernel maps each onto
 * a fixed mask of netdev feature bits (net/ethtool/ioctl.c), so they work on any driver, including tun and veth.
 * The features commands (GSTRINGS, GFEATURES, SFEATURES) address every feature bit by its name.
 */
public final class Ethtool {
    public static final int ETHTOOL_GTXCSUM = 0x16;
    public static final int ETHTOOL_STXCSUM = 0x17;
    public static final int ETHTOOL_GTSO = 0x1e;
    public static final int ETHTOOL_STSO = 0x1f;
    public static final int ETHTOOL_GGSO = 0x23;
    public static final int ETHTOOL_SGSO = 0x24;
    public static final int ETHTOOL_GGRO = 0x2b;
    public static final int ETHTOOL_SGRO = 0x2c;

    /** {@code struct ethtool_gstrings {u32 cmd; u32 string_set; u32 len; u8 data[len * ETH_GSTRING_LEN];}}. */
    public static final int ETHTOOL_GSTRINGS = 0x1b;
    /** {@code struct ethtool_sset_info {u32 cmd; u32 reserved; u64 sset_mask; u32 data[];}}. */
    public static final int ETHTOOL_GSSET_INFO = 0x37;
    /** {@code struct ethtool_gfeatures {u32 cmd; u32 size; {u32 available, requested, active, never}[size]}}. */
    public static final int ETHTOOL_GFEATURES = 0x3a;
    /** {@code struct ethtool_sfeatures {u32 cmd; u32 size; {u32 valid, requested}[size]}}. */
    public static final int ETHTOOL_SFEATURES = 0x3b;

    /** The string set that names the netdev feature bits, in bit order. */
    public static final int ETH_SS_FEATURES = 4;
    public static final int ETH_GSTRING_LEN = 32;

    public static final int ETHTOOL_SSET_INFO_MASK = 8;
    public static final int ETHTOOL_SSET_INFO_DATA = 16;
    public static final int ETHTOOL_GSTRINGS_DATA = 12;
    public static final int ETHTOOL_FEATURES_BLOCKS = 8;
    public static final int ETHTOOL_GET_FEATURES_BLOCK_SIZE = 16;
    public static final int ETHTOOL_GET_FEATURES_ACTIVE = 8;
    public static final int ETHTOOL_SET_FEATURES_BLOCK_SIZE = 8;

    public static final int ETHTOOL_VALUE_SIZE = 8;
    public static final int ETHTOOL_VALUE_CMD = 0;
    public static final int ETHTOOL_VALUE_DATA = 4;

    private Ethtool() {
    }
}
