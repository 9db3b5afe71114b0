package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.control.ControlClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code uniswitch stats}: live per-port frame and bit rates, from two samples of the counters an interval apart
 * (like ifstat). The rates are what Prometheus' {@code rate()} would compute over the same interval.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Per-port frame and bit rates, measured over an interval (like ifstat).",
            "Without --watch: one measurement. With --watch: a new line per port every interval until Ctrl-C."})
final class StatsCommand implements Callable<Integer> {
    @Mixin
    SocketOptions where;

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--interval"}, defaultValue = "1", paramLabel = "SECONDS",
            description = "measurement interval in seconds (0.1..3600, default ${DEFAULT-VALUE})")
    double intervalSeconds;

    @Option(names = {"-w", "--watch"}, description = "keep measuring until interrupted")
    boolean watch;

    @Option(names = {"-n", "--count"}, defaultValue = "0", paramLabel = "N",
            description = "with --watch, stop after N measurements (0 = until interrupted)")
    int count;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (intervalSeconds < 0.1 || intervalSeconds > 3600) {
            err.println("uniswitch stats: --interval " + intervalSeconds + " is out of range 0.1..3600");
            return ExitCodes.USAGE;
        }
        Path socket;
        try {
            socket = where.resolve();
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("uniswitch: " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        }
        ControlClient client = new ControlClient(socket);
        int samples = watch ? (count > 0 ? count : Integer.MAX_VALUE) : 1;
        try {
            JsonNode before = client.call(client.newRequest("show"));
            for (int i = 0; i < samples; i++) {
                Thread.sleep((long) (intervalSeconds * 1000));
                JsonNode after = client.call(client.newRequest("show"));
                ObjectNode rates = rates(before, after);
                if (where.json) {
                    out.println(new ObjectMapper().writeValueAsString(rates));
                } else {
                    print(rates, out, i == 0 || !watch);
                }
                out.flush();
                before = after;
            }
        } catch (ControlClient.ControlException e) {
            err.println("uniswitch: " + e.getMessage());
            return e.unreachable() ? ExitCodes.UNREACHABLE : ExitCodes.FAILURE;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return ExitCodes.OK;
    }

    /** Rates per port between two {@code show} answers; a port new in the second sample starts from zero. */
    static ObjectNode rates(JsonNode before, JsonNode after) {
        double seconds = (after.path("monotonicNs").asLong() - before.path("monotonicNs").asLong()) / 1e9;
        Map<String, JsonNode> old = new HashMap<>();
        for (JsonNode p : before.path("ports")) {
            old.put(p.path("name").asText(), p);
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("seconds", seconds);
        ArrayNode ports = root.putArray("ports");
        for (JsonNode p : after.path("ports")) {
            JsonNode o = old.get(p.path("name").asText());
            ObjectNode r = ports.addObject();
            r.put("name", p.path("name").asText());
            r.put("rxFramesPerSecond", rate(p, o, "rxFrames", seconds));
            r.put("txFramesPerSecond", rate(p, o, "txFrames", seconds));
            r.put("rxBitsPerSecond", 8 * rate(p, o, "rxBytes", seconds));
            r.put("txBitsPerSecond", 8 * rate(p, o, "txBytes", seconds));
            r.put("dropsPerSecond", rate(p, o, "dropsTotal", seconds));
        }
        return root;
    }

    private static double rate(JsonNode now, JsonNode then, String field, double seconds) {
        if (seconds <= 0) {
            return 0;
        }
        long delta = now.path(field).asLong() - (then == null ? 0 : then.path(field).asLong());
        return Math.max(0, delta) / seconds;
    }

    private void print(ObjectNode rates, PrintWriter out, boolean header) {
        Table t = new Table("PORT", "RX-FRAMES/S", "RX-BITS/S", "TX-FRAMES/S", "TX-BITS/S", "DROPS/S")
                .numeric(1, 2, 3, 4, 5);
        for (JsonNode r : rates.path("ports")) {
            t.add(r.path("name").asText(), si(r.path("rxFramesPerSecond").asDouble()),
                    si(r.path("rxBitsPerSecond").asDouble()), si(r.path("txFramesPerSecond").asDouble()),
                    si(r.path("txBitsPerSecond").asDouble()), si(r.path("dropsPerSecond").asDouble()));
        }
        if (watch && !header) {
            out.println();
        }
        t.print(out);
    }

    /** 1234567.8 -> "1.23M". */
    static String si(double v) {
        String[] units = {"", "k", "M", "G", "T"};
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f" : "%.2f%s", v, units[u]);
    }
}
