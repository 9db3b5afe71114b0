package io.uniswitch.tap.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.tap.TestNet;
import io.uniswitch.tap.linux.Errno;
import io.uniswitch.tap.linux.If;
import io.uniswitch.tap.linux.NativeException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetInterfacesTest {
    private String tapName;
    private String vethA;
    private String vethB;
    private TunDevice tap;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @BeforeEach
    void createTap() {
        tapName = TestNet.uniqueName("ustT");
        tap = TunDevice.open(tapName, TapOptions.DEFAULTS);
        TestNet.quiet(tapName);
    }

    @AfterEach
    void cleanUp() {
        try {
            tap.close();
        } finally {
            TestNet.deleteQuietly(tapName);
            TestNet.deleteQuietly(vethA);
            TestNet.deleteQuietly(vethB);
        }
    }

    private void createVeth() {
        vethA = TestNet.uniqueName("ustV");
        vethB = TestNet.uniqueName("ustW");
        TestNet.createVeth(vethA, vethB);
    }

    @Test
    void existsAndIndexAgreeWithSysfs() {
        assertTrue(NetInterfaces.exists(tapName));
        assertEquals(Integer.parseInt(TestNet.sysfs(tapName, "ifindex")), NetInterfaces.index(tapName));
        assertEquals(1, NetInterfaces.index("lo"));
        assertFalse(NetInterfaces.exists(TestNet.uniqueName("ustN")));
    }

    @Test
    void missingInterfaceErrorsNameCallAndInterface() {
        final String missing = TestNet.uniqueName("ustN");
        final String hint = ": ENODEV (no such interface; check the name with `ip link`)";
        assertEquals("SIOCGIFINDEX " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.index(missing)).getMessage());
        assertEquals("SIOCGIFMTU " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.mtu(missing)).getMessage());
        assertEquals("SIOCSIFMTU " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.setMtu(missing, 1500)).getMessage());
        assertEquals("SIOCGIFHWADDR " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.mac(missing)).getMessage());
        assertEquals("SIOCGIFFLAGS " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.setUp(missing, true)).getMessage());
        assertEquals("operstate " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.operState(missing)).getMessage());
        assertEquals("SIOCGIFINDEX " + missing + hint,
                assertThrows(NativeException.class, () -> NetInterfaces.delete(missing)).getMessage());
        assertFalse(NetInterfaces.deleteIfExists(missing));
        assertFalse(NetInterfaces.isTunTap(missing));
        assertThrows(IllegalArgumentException.class, () -> NetInterfaces.mtu("../../etc"));
    }

    @Test
    void mtuSetAndReadBack() {
        assertEquals(1500, NetInterfaces.mtu(tapName));
        NetInterfaces.setMtu(tapName, 1400);
        assertEquals(1400, NetInterfaces.mtu(tapName));
        assertEquals("1400", TestNet.sysfs(tapName, "mtu"));
        final NativeException e = assertThrows(NativeException.class, () -> NetInterfaces.setMtu(tapName, 70000));
        assertEquals("SIOCSIFMTU " + tapName + ": EINVAL (MTU out of the driver's range)", e.getMessage());
        assertThrows(NativeException.class, () -> NetInterfaces.setMtu(tapName, 10));
        assertEquals(1400, NetInterfaces.mtu(tapName));
    }

    @Test
    void macSetAndReadBack() {
        final long mac = 0x02_aa_bb_cc_dd_eeL;
        NetInterfaces.setMac(tapName, mac);
        assertEquals(mac, NetInterfaces.mac(tapName));
        assertEquals("02:aa:bb:cc:dd:ee", TestNet.sysfs(tapName, "address"));
        assertTrue(TestNet.run("ip", "link", "show", tapName).contains("link/ether 02:aa:bb:cc:dd:ee"));

        final NativeException multicast = assertThrows(NativeException.class,
                () -> NetInterfaces.setMac(tapName, 0x03_00_00_00_00_01L));
        assertEquals(Errno.EADDRNOTAVAIL, multicast.errno());
        assertEquals("SIOCSIFHWADDR", multicast.call());
        assertThrows(IllegalArgumentException.class, () -> NetInterfaces.setMac(tapName, 1L << 48));
        assertEquals(mac, NetInterfaces.mac(tapName));
    }

    @Test
    void flagsUpDownAndOperState() {
        final int flags = NetInterfaces.flags(tapName);
        assertEquals(If.IFF_BROADCAST | If.IFF_MULTICAST, flags & (If.IFF_BROADCAST | If.IFF_MULTICAST));
        assertFalse(NetInterfaces.isUp(tapName));
        assertEquals("down", NetInterfaces.operState(tapName));

        NetInterfaces.setUp(tapName, true);
        assertTrue(NetInterfaces.isUp(tapName));
        assertTrue(TestNet.run("ip", "link", "show", tapName).contains(",UP"));
        assertTrue(TestNet.eventually(() -> "unknown".equals(NetInterfaces.operState(tapName)), 3000),
                "tun does not report carrier, so an up tap is 'unknown': " + NetInterfaces.operState(tapName));
        NetInterfaces.setUp(tapName, true);
        assertTrue(NetInterfaces.isUp(tapName), "setting up twice is harmless");

        NetInterfaces.setUp(tapName, false);
        assertFalse(NetInterfaces.isUp(tapName));
        assertTrue(TestNet.eventually(() -> "down".equals(NetInterfaces.operState(tapName)), 3000));
    }

    @Test
    void vethOperStateFollowsThePeer() {
        createVeth();
        assertTrue(TestNet.eventually(() -> "up".equals(NetInterfaces.operState(vethA)), 3000),
                NetInterfaces.operState(vethA));
        NetInterfaces.setUp(vethB, false);
        assertTrue(TestNet.eventually(() -> "lowerlayerdown".equals(NetInterfaces.operState(vethA)), 3000),
                NetInterfaces.operState(vethA));
    }

    @Test
    void ipv4AddressAndPrefixSetAndReadBack() throws Exception {
        // 198.18.0.0/15 is reserved for benchmarks; the tap stays down, so no route is installed.
        final int third = ThreadLocalRandom.current().nextInt(256);
        final Inet4Address address = (Inet4Address) InetAddress.getByAddress(
                new byte[] {(byte) 198, 19, (byte) third, 1});
        assertNull(NetInterfaces.ipv4Address(tapName));
        assertEquals(-1, NetInterfaces.ipv4PrefixLength(tapName));

        NetInterfaces.setIpv4Address(tapName, address, 24);
        assertEquals(address, NetInterfaces.ipv4Address(tapName));
        assertEquals(24, NetInterfaces.ipv4PrefixLength(tapName));
        final String shown = TestNet.run("ip", "-4", "addr", "show", "dev", tapName);
        assertTrue(shown.contains("inet 198.19." + third + ".1/24"), shown);

        NetInterfaces.setIpv4Address(tapName, address, 30);
        assertEquals(30, NetInterfaces.ipv4PrefixLength(tapName));
        assertThrows(IllegalArgumentException.class, () -> NetInterfaces.setIpv4Address(tapName, address, 33));
    }

    @Test
    void isTunTapTellsTapsFromVeths() {
        createVeth();
        assertTrue(NetInterfaces.isTunTap(tapName));
        assertFalse(NetInterfaces.isTunTap(vethA));
        assertFalse(NetInterfaces.isTunTap("lo"));
    }

    @Test
    void deleteRemovesAPersistentTapNobodyHolds() {
        tap.setPersist(true);
        tap.close();
        assertTrue(TestNet.linkExists(tapName));
        NetInterfaces.delete(tapName);
        assertFalse(TestNet.linkExists(tapName));
    }

    @Test
    void deleteRemovesATapAnotherFdHolds() {
        NetInterfaces.delete(tapName);
        assertFalse(TestNet.linkExists(tapName));
        tap.close();
    }

    @Test
    void deleteRemovesBothEndsOfAVeth() {
        createVeth();
        NetInterfaces.delete(vethA);
        assertFalse(TestNet.linkExists(vethA));
        assertFalse(TestNet.linkExists(vethB));
        assertTrue(NetInterfaces.deleteIfExists(tapName));
        assertFalse(TestNet.linkExists(tapName));
    }
}
