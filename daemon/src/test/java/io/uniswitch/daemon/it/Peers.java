package io.uniswitch.daemon.it;

import io.uniswitch.netlab.Links;
import io.uniswitch.netlab.Netns;

/** Test hosts joined to a switch: the shared topology code of the integration tests. */
final class Peers {
    private Peers() {
    }

    /**
     * Joins {@code peer} to the switch's namespace by a veth: {@code swEnd} in the switch namespace (up, for the
     * switch to attach as a netdev port), {@code eth0} in the peer with {@code cidr}. Offloads are turned off on the
     * peer's end: without vnet headers a userspace switch can carry neither GSO super-frames nor partial checksums.
     */
    static Netns join(Netns switchNs, String swEnd, Netns peer, String cidr) {
        Links.veth(swEnd, switchNs, "eth0", peer);
        Links.up(switchNs, swEnd);
        Links.addAddress(peer, "eth0", cidr);
        Links.up(peer, "eth0");
        Links.offloadsOff(peer, "eth0");
        return peer;
    }
}
