package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code uniswitch show}: the switch, its ports and their counters. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show the running switch: ports, state, frame and byte counters, drops by reason, FDB size.")
final class ShowCommand extends ControlVerb {
    @Override
    String command() {
        return "show";
    }

    @Override
    void printText(JsonNode r, PrintWriter out) {
        JsonNode fdb = r.path("fdb");
        out.printf(Locale.ROOT, "switch %s  up %s  fdb %d/%d entries (ageing %s)%n", r.path("switch").asText(),
                duration(r.path("uptimeSeconds").asDouble()), fdb.path("entries").asLong(),
                fdb.path("maxEntries").asLong(), r.path("ageingSeconds").asDouble() == 0 ? "off: not learning"
                        : duration(r.path("ageingSeconds").asDouble()));
        Table t = new Table("PORT", "TYPE", "MTU", "STATE", "RX-FRAMES", "RX-BYTES", "TX-FRAMES", "TX-BYTES", "DROPS",
                "ADDRESS").numeric(2, 4, 5, 6, 7, 8);
        for (JsonNode p : r.path("ports")) {
            t.add(p.path("name").asText(), p.path("type").asText(), p.path("mtu").asInt(),
                    p.path("up").asBoolean() ? "up" : "down", Table.human(p.path("rxFrames").asLong()),
                    Table.human(p.path("rxBytes").asLong()), Table.human(p.path("txFrames").asLong()),
                    Table.human(p.path("txBytes").asLong()), p.path("dropsTotal").asLong(),
                    p.path("address").asText(""));
        }
        t.print(out);
        JsonNode fwd = r.path("forwarding");
        out.printf(Locale.ROOT, "forwarded: %d unicast, %d flooded; fdb: %d learned, %d moved, %d aged, %d refused%n",
                fwd.path("unicastFrames").asLong(), fwd.path("floodedFrames").asLong(), fdb.path("learned").asLong(),
                fdb.path("moved").asLong(), fdb.path("aged").asLong(), fdb.path("refused").asLong());
        StringBuilder drops = new StringBuilder();
        for (JsonNode p : r.path("ports")) {
            Iterator<Map.Entry<String, JsonNode>> it = p.path("drops").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                drops.append(drops.length() == 0 ? "" : ", ").append(p.path("name").asText()).append(' ')
                        .append(e.getKey()).append(' ').append(e.getValue().asLong());
            }
        }
        Iterator<Map.Entry<String, JsonNode>> it = fwd.path("drops").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            drops.append(drops.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
        }
        if (drops.length() > 0) {
            out.println("drops: " + drops);
        }
    }

    static String duration(double seconds) {
        long s = (long) seconds;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h" + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
    }
}
