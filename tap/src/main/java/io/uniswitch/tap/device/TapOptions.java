package io.uniswitch.tap.device;

/**
 * How {@link TunDevice#open(String, TapOptions)} sets up a tap. Immutable.
 *
 * @param persist  true makes the device outlive its fd (TUNSETPERSIST 1). False leaves persistence as it is: a new
 *                 device goes away with the fd, an existing persistent one stays persistent (use
 *                 {@link TunDevice#setPersist(boolean)} to clear it)
 * @param ownerUid uid that may attach without CAP_NET_ADMIN (TUNSETOWNER), -1 for none
 * @param groupGid gid that may attach without CAP_NET_ADMIN (TUNSETGROUP), -1 for none
 * @param vnetHdr  IFF_VNET_HDR: every frame read or written starts with a
 *                 {@value io.uniswitch.tap.linux.IfTun#VIRTIO_NET_HDR_V1_SIZE}-byte virtio_net_hdr_v1
 */
public record TapOptions(boolean persist, int ownerUid, int groupGid, boolean vnetHdr) {
    /** Transient, no owner, no group, no vnet header. */
    public static final TapOptions DEFAULTS = new TapOptions(false, -1, -1, false);

    public TapOptions {
        if (ownerUid < -1) {
            throw new IllegalArgumentException("ownerUid must be -1 (none) or a uid, was " + ownerUid);
        }
        if (groupGid < -1) {
            throw new IllegalArgumentException("groupGid must be -1 (none) or a gid, was " + groupGid);
        }
    }

    public TapOptions withPersist(boolean value) {
        return new TapOptions(value, ownerUid, groupGid, vnetHdr);
    }

    public TapOptions withOwnerUid(int value) {
        return new TapOptions(persist, value, groupGid, vnetHdr);
    }

    public TapOptions withGroupGid(int value) {
        return new TapOptions(persist, ownerUid, value, vnetHdr);
    }

    public TapOptions withVnetHdr(boolean value) {
        return new TapOptions(persist, ownerUid, groupGid, value);
    }
}
