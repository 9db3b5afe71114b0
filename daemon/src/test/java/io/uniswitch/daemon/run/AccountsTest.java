package io.uniswitch.daemon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountsTest {
    @Test
    void numbersAreTakenAsTheyAre() {
        assertEquals(1000, Accounts.uid("1000"));
        assertEquals(0, Accounts.gid("0"));
    }

    @Test
    void rootResolvesFromTheSystemFiles() {
        assertEquals(0, Accounts.uid("root"));
        assertEquals(0, Accounts.gid("root"));
    }

    @Test
    void namesAreLookedUpInPasswdStyleFiles(@TempDir Path dir) throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nsolo5:x:998:995::/nonexistent:/usr/sbin/nologin\n"
                + "broken:x:notanumber:1::/:/bin/false\nshort\n");
        assertEquals(998, Accounts.lookupFile("solo5", passwd));
        assertNull(Accounts.lookupFile("solo", passwd), "whole names only");
        assertNull(Accounts.lookupFile("broken", passwd));
        assertNull(Accounts.lookupFile("short", passwd));
        assertNull(Accounts.lookupFile("solo5", dir.resolve("missing")));
    }

    @Test
    void anUnknownUserIsAClearError(@TempDir Path dir) throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Accounts.resolve("uniswitch-no-such-user", passwd, "passwd", "user", "useradd --system x"));
        assertTrue(e.getMessage().startsWith("user \"uniswitch-no-such-user\" does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("useradd --system x"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Accounts.gid("uniswitch-no-such-group"));
        assertTrue(e.getMessage().contains("groupadd --system uniswitch-no-such-group"), e.getMessage());
    }
}
