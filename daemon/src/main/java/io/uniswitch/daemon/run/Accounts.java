package io.uniswitch.daemon.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Resolves the user and group names of a config to numeric ids for TUNSETOWNER and TUNSETGROUP. A number is taken as
 * it is; a name is looked up in /etc/passwd or /etc/group, then through {@code getent} (NSS: LDAP, systemd's dynamic
 * users). Control thread only; never on the data path.
 */
final class Accounts {
    static final Path PASSWD = Path.of("/etc/passwd");
    static final Path GROUP = Path.of("/etc/group");

    private Accounts() {
    }

    /** The uid of a user name or number; throws IllegalArgumentException naming the user and the fix. */
    static int uid(String user) {
        return resolve(user, PASSWD, "passwd", "user", "useradd --system " + user);
    }

    /** The gid of a group name or number; throws IllegalArgumentException naming the group and the fix. */
    static int gid(String group) {
        return resolve(group, GROUP, "group", "group", "groupadd --system " + group);
    }

    static int resolve(String nameOrId, Path file, String database, String what, String fix) {
        if (!nameOrId.isEmpty() && nameOrId.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(nameOrId);
        }
        Integer id = lookupFile(nameOrId, file);
        if (id == null) {
            id = lookupGetent(database, nameOrId);
        }
        if (id == null) {
            throw new IllegalArgumentException(what + " \"" + nameOrId + "\" does not exist (not in " + file
                    + " nor known to getent " + database + "); create it (" + fix + ") or give a numeric id");
        }
        return id;
    }

    /** The third field of the line for {@code name} in a passwd or group file, or null. */
    static Integer lookupFile(String name, Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Integer id = parseLine(line, name);
                if (id != null) {
                    return id;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** Parses {@code name:x:ID:...}; null if the line is for another name or malformed. */
    static Integer parseLine(String line, String name) {
        String[] f = line.split(":", -1);
        if (f.length < 3 || !f[0].equals(name)) {
            return null;
        }
        try {
            int id = Integer.parseInt(f[2]);
            return id >= 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer lookupGetent(String database, String name) {
        try {
            Process p = new ProcessBuilder("getent", database, name).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0) {
                return null;
            }
            return parseLine(new String(out, StandardCharsets.UTF_8).strip(), name);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
