package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code uniswitch fdb}: the forwarding database, and changes to it. */
@Command(name = "fdb", mixinStandardHelpOptions = true,
        description = "Show the forwarding database: which MAC was learned on which port, and how long ago.",
        subcommands = {FdbCommand.Flush.class, FdbCommand.Add.class, FdbCommand.Del.class})
final class FdbCommand extends ControlVerb {
    @Override
    String command() {
        return "fdb";
    }

    @Override
    void printText(JsonNode r, PrintWriter out) {
        Table t = new Table("MAC", "VLAN", "PORT", "KIND", "AGE").numeric(1, 4);
        for (JsonNode e : r) {
            boolean isStatic = e.path("static").asBoolean();
            t.add(e.path("mac").asText(), e.path("vlan").asInt(), e.path("port").asText(),
                    isStatic ? "static" : "learned",
                    isStatic ? "-" : String.format(Locale.ROOT, "%.1fs", e.path("ageSeconds").asDouble()));
        }
        t.print(out);
        out.println(r.size() + (r.size() == 1 ? " entry" : " entries"));
    }

    /** {@code uniswitch fdb flush [PORT]}. */
    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Forget learned MACs (static entries stay): all of them, or those of one port.")
    static final class Flush extends ControlVerb {
        @Parameters(arity = "0..1", paramLabel = "PORT", description = "only this port's entries")
        String port;

        @Override
        String command() {
            return "fdb-flush";
        }

        @Override
        void fill(ObjectNode request) {
            if (port != null) {
                request.put("port", port);
            }
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("removed " + r.path("removed").asInt() + " learned entries"
                    + (port != null ? " of port " + port : ""));
        }
    }

    /** {@code uniswitch fdb add MAC PORT}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a static entry: frames to MAC always go to PORT; it never ages and learning never "
                    + "moves it. Lost when the switch restarts: put lasting entries in the config (fdb.static).")
    static final class Add extends ControlVerb {
        @Parameters(index = "0", paramLabel = "MAC", description = "unicast MAC, e.g. 02:00:00:00:00:02")
        String mac;

        @Parameters(index = "1", paramLabel = "PORT", description = "port name")
        String port;

        @Option(names = "--vlan", defaultValue = "0", description = "VLAN id (default 0: untagged)")
        int vlan;

        @Override
        String command() {
            return "fdb-add";
        }

        @Override
        void fill(ObjectNode request) {
            request.put("mac", mac);
            request.put("port", port);
            request.put("vlan", vlan);
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("static " + r.path("mac").asText() + " -> " + r.path("port").asText());
        }
    }

    /** {@code uniswitch fdb del MAC}. */
    @Command(name = "del", mixinStandardHelpOptions = true, description = "Remove an entry, static or learned.")
    static final class Del extends ControlVerb {
        @Parameters(index = "0", paramLabel = "MAC", description = "the entry's MAC")
        String mac;

        @Option(names = "--vlan", defaultValue = "0", description = "VLAN id (default 0: untagged)")
        int vlan;

        @Override
        String command() {
            return "fdb-del";
        }

        @Override
        void fill(ObjectNode request) {
            request.put("mac", mac);
            request.put("vlan", vlan);
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("removed " + mac);
        }
    }
}
