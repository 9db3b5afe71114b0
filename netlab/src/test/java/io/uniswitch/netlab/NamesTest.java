package io.uniswitch.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void uniqueAppendsSixRandomCharactersAndLeavesRoomForSuffixes() {
        String name = Names.unique("us");
        assertEquals(8, name.length());
        assertTrue(name.matches("us[a-z0-9]{6}"), name);
        assertNotEquals(name, Names.unique("us"));
        String longest = Names.unique("a".repeat(Names.MAX_PREFIX));
        assertEquals(Names.MAX_IFNAME, Names.ifname(longest, "br0").length() + 1);
    }

    @Test
    void badPrefixesAndOverlongInterfaceNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Names.unique("US"));
        assertThrows(IllegalArgumentException.class, () -> Names.unique("a".repeat(Names.MAX_PREFIX + 1)));
        assertThrows(IllegalArgumentException.class, () -> Names.unique(""));
        assertThrows(IllegalArgumentException.class, () -> Names.ifname("usabcdefghij", "veth"));
        assertThrows(IllegalArgumentException.class, () -> Names.checkIfname("a/b"));
    }
}
