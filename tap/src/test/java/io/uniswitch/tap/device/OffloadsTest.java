package io.uniswitch.tap.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.uniswitch.tap.TestNet;
import io.uniswitch.tap.linux.NativeException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OffloadsTest {
    private String vethA;
    private String vethB;
    private String tapName;

    @BeforeAll
    static void prerequisites() {
        TestNet.requireRootAndTun();
    }

    @AfterEach
    void cleanUp() {
        TestNet.deleteQuietly(vethA);
        TestNet.deleteQuietly(vethB);
        TestNet.deleteQuietly(tapName);
    }

    /** The state as {@code ethtool -k} prints it. */
    private static Offloads.State ethtool(String ifname) {
        final String out = TestNet.run("ethtool", "-k", ifname);
        return new Offloads.State(on(out, "generic-receive-offload"), on(out, "generic-segmentation-offload"),
                on(out, "tcp-segmentation-offload"), on(out, "tx-checksumming"));
    }

    private static boolean on(String ethtoolOutput, String feature) {
        return ethtoolOutput.lines().anyMatch(l -> l.startsWith(feature + ": on"));
    }

    @Test
    void vethOffloadsGoOffAndBackOn() {
        vethA = TestNet.uniqueName("ustV");
        vethB = TestNet.uniqueName("ustW");
        TestNet.createVeth(vethA, vethB);
        assertEquals(ethtool(vethA), Offloads.get(vethA));

        assertEquals(Offloads.State.ALL_OFF, Offloads.set(vethA, Offloads.State.ALL_OFF));
        assertEquals(Offloads.State.ALL_OFF, ethtool(vethA));
        assertEquals(Offloads.State.ALL_OFF, Offloads.get(vethA));

        assertEquals(Offloads.State.ALL_ON, Offloads.set(vethA, Offloads.State.ALL_ON));
        assertEquals(Offloads.State.ALL_ON, ethtool(vethA));

        final Offloads.State onlyGro = new Offloads.State(true, false, false, false);
        assertEquals(onlyGro, Offloads.set(vethA, onlyGro));
        assertEquals(onlyGro, ethtool(vethA));
    }

    @Test
    void activeFeaturesMatchEthtoolByName() {
        vethA = TestNet.uniqueName("ustV");
        vethB = TestNet.uniqueName("ustW");
        TestNet.createVeth(vethA, vethB);
        Offloads.set(vethA, new Offloads.State(false, true, false, true));
        final Map<String, Boolean> features = Offloads.activeFeatures(vethA);
        assertTrue(features.size() > 30, features.toString());
        int compared = 0;
        for (String line : TestNet.run("ethtool", "-k", vethA).lines().toList()) {
            final String[] parts = line.trim().split(": ");
            if (parts.length == 2 && features.containsKey(parts[0])) {
                assertEquals(parts[1].startsWith("on"), features.get(parts[0]), line);
                compared++;
            }
        }
        assertTrue(compared > 30, "compared only " + compared);
        assertFalse(features.get("tx-tcp-segmentation"));
        assertTrue(features.get("tx-generic-segmentation"));
        features.forEach((name, on) -> assertFalse(on && name.startsWith("tx-tcp") && name.endsWith("segmentation"),
                name + " is still on with TSO off"));
    }

    @Test
    void tapKeepsTsoAndChecksumOffUntilItsReaderAsksForThem() {
        tapName = TestNet.uniqueName("ustT");
        try (TunDevice tap = TunDevice.open(tapName, TapOptions.DEFAULTS)) {
            assertEquals(ethtool(tapName), Offloads.get(tapName));
            assertEquals(Offloads.State.ALL_OFF, Offloads.set(tapName, Offloads.State.ALL_OFF));
            assertEquals(Offloads.State.ALL_OFF, ethtool(tapName));

            // tun masks TSO and checksumming with what TUNSETOFFLOAD allowed (nothing): the kernel accepts the
            // request, the features stay off, and the result says so.
            final Offloads.State after = Offloads.set(tapName, Offloads.State.ALL_ON);
            assertEquals(new Offloads.State(true, true, false, false), after);
            assertEquals(after, ethtool(tapName));
            assertFalse(tap.isClosed());
        }
    }

    @Test
    void describeReadsLikeEthtool() {
        assertEquals("gro off, gso off, tso off, tx-checksumming off", Offloads.State.ALL_OFF.describe());
        assertEquals("gro on, gso off, tso on, tx-checksumming off",
                new Offloads.State(true, false, true, false).describe());
    }

    @Test
    void missingInterface() {
        final String missing = TestNet.uniqueName("ustN");
        final NativeException e = assertThrows(NativeException.class, () -> Offloads.get(missing));
        assertEquals("SIOCETHTOOL ETHTOOL_GGRO " + missing
                + ": ENODEV (no such interface; check the name with `ip link`)", e.getMessage());
        assertTrue(assertThrows(NativeException.class, () -> Offloads.set(missing, Offloads.State.ALL_OFF))
                .getMessage().startsWith("SIOCETHTOOL"));
    }
}
