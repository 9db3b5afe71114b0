package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code uniswitch fdb}: the forwarding database. */
@Command(name = "fdb", mixinStandardHelpOptions = true,
        description = "Show the forwarding database: which MAC was learned on which port, and how long ago.")
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
}
