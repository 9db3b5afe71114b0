package io.uniswitch.tap.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NativeExceptionTest {
    @Test
    void messageIsCallObjectErrnoNameAndHint() {
        final NativeException e = new NativeException("TUNSETIFF", "tap100", 16, "device held by another process");
        assertEquals("TUNSETIFF tap100: EBUSY (device held by another process)", e.getMessage());
        assertEquals("TUNSETIFF", e.call());
        assertEquals("tap100", e.object());
        assertEquals(16, e.errno());
        assertEquals("EBUSY", e.errnoName());
    }

    @Test
    void missingHintFallsBackToStrerrorAndMissingObjectIsLeftOut() {
        assertEquals("read tap1: EIO (Input/output error)", new NativeException("read", "tap1", 5, null).getMessage());
        assertEquals("socket: EMFILE (Too many open files)", new NativeException("socket", "", 24, "").getMessage());
        assertEquals("socket: EMFILE (Too many open files)", new NativeException("socket", null, 24, null)
                .getMessage());
    }

    @Test
    void defaultHintsForPermissionsAndMissingInterfaces() {
        assertEquals("SIOCSIFMTU eth9: EPERM (needs CAP_NET_ADMIN (run as root or grant the capability))",
                NativeException.of("SIOCSIFMTU", "eth9", Errno.EPERM).getMessage());
        assertEquals("SIOCGIFINDEX eth9: ENODEV (no such interface; check the name with `ip link`)",
                NativeException.of("SIOCGIFINDEX", "eth9", Errno.ENODEV).getMessage());
        assertEquals("write tap1: EFAULT (Bad address)", NativeException.of("write", "tap1", Errno.EFAULT)
                .getMessage());
    }
}
