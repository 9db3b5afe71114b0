package io.uniswitch.tap.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesFollowTheLinuxTable() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("EAGAIN", Errno.name(11));
        assertEquals("EBUSY", Errno.name(16));
        assertEquals("ENODEV", Errno.name(19));
        assertEquals("EINVAL", Errno.name(22));
        assertEquals("EDEADLK", Errno.name(35));
        assertEquals("EOPNOTSUPP", Errno.name(95));
        assertEquals("ENOBUFS", Errno.name(105));
        assertEquals("EHWPOISON", Errno.name(133));
    }

    @Test
    void undefinedNumbersGetANumericName() {
        assertEquals("errno 0", Errno.name(0));
        assertEquals("errno 41", Errno.name(41));
        assertEquals("errno 58", Errno.name(58));
        assertEquals("errno 134", Errno.name(134));
        assertEquals("errno -5", Errno.name(-5));
        assertEquals("Unknown error 41", Errno.describe(41));
        assertEquals("Unknown error 999", Errno.describe(999));
    }

    @Test
    void describeMatchesGlibcStrerror() {
        assertEquals("Operation not permitted", Errno.describe(1));
        assertEquals("Device or resource busy", Errno.describe(16));
        assertEquals("No such device", Errno.describe(19));
        assertEquals("Operation not supported", Errno.describe(95));
        assertEquals("Memory page has hardware error", Errno.describe(133));
    }

    @Test
    void everyDefinedNumberHasAUniqueNameAndAText() {
        final Set<String> names = new HashSet<>();
        for (int errno = 1; errno <= 133; errno++) {
            if (errno == 41 || errno == 58) {
                continue;
            }
            final String name = Errno.name(errno);
            assertTrue(name.matches("E[A-Z0-9]+"), errno + " -> " + name);
            assertTrue(names.add(name), "duplicate " + name);
            assertTrue(!Errno.describe(errno).startsWith("Unknown"), errno + " has no text");
        }
        assertEquals(131, names.size());
    }

    @Test
    void constantsAgreeWithTheTable() throws IllegalAccessException {
        int checked = 0;
        for (Field field : Errno.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                assertEquals(field.getName(), Errno.name(field.getInt(null)));
                checked++;
            }
        }
        assertTrue(checked > 10);
    }
}
