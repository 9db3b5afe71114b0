package io.uniswitch.bridge.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacsTest {
    @Test
    void formatsLowerCaseWithColons() {
        assertEquals("02:00:00:00:00:01", Macs.format(0x0200_0000_0001L));
        assertEquals("ff:ff:ff:ff:ff:ff", Macs.format(Frames.BROADCAST));
        assertEquals("00:00:00:00:00:00", Macs.format(0));
        assertEquals("01:80:c2:00:00:0e", Macs.format(0x0180_C200_000EL));
    }

    @Test
    void parsesEitherCaseAndSeparator() {
        assertEquals(0x0200_0000_00ABL, Macs.parse("02:00:00:00:00:ab"));
        assertEquals(0x0200_0000_00ABL, Macs.parse("02-00-00-00-00-AB"));
        assertEquals(Frames.BROADCAST, Macs.parse("FF:ff:FF:ff:FF:ff"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:00:00:00", "02:00:00:00:00:01:02", "02:00:00:00:00:0g", "02:00-00:00:00:01",
        "020:00:00:00:00:1", "02.00.00.00.00.01", "+2:00:00:00:00:01", "02:00:00:00:00:\u0661\u0662",
        " 2:00:00:00:00:01"})
    void rejectsNamingValueAndExpectedForm(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Macs.parse(bad));
        assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("02:00:00:00:00:01"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Macs.parse(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
    }

    @Property
    void formatThenParseRoundTrips(@ForAll @LongRange(min = 0, max = 0xFFFF_FFFF_FFFFL) long mac) {
        assertEquals(mac, Macs.parse(Macs.format(mac)));
    }
}
