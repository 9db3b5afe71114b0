package io.uniswitch.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.netlab.Netns;
import io.uniswitch.netlab.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the end-to-end benchmark: the quick harness with one-second runs against both kernel bridges and
 * uniswitch (and Open vSwitch when it is installed; it may be skipped with a reason if it cannot start), with the
 * stand-in tender row and the frame tests (RFC 2544 sweep at quick mode's sizes, RFC 2889, scaling) for the switches
 * they measure. Checks that every measurement produced a finite figure (a loss-free rate of 0 is a figure), that
 * the JSON report parses and has every row, that the charts are PNGs, and that no namespace of the run is left. No
 * speed thresholds: figures on a shared CI machine mean nothing, the harness's correctness does. About four minutes.
 */
@Tag("root")
class BenchSmokeIT {
    private static final int REPEAT = 2;
    /**
     * The names {@link TwoHosts}, {@link TenderFlood} and {@link ManyHosts} give their namespaces: prefix, 6 random,
     * role.
     */
    private static final Pattern OURS = Pattern.compile("u[btf][a-z0-9]{6}[sabcil]");

    @TempDir
    Path dir;

    @Test
    void quickRunMeasuresEveryRowAndReportsIt() throws Exception {
        Path root = Path.of(System.getProperty("uniswitch.root", "..")).toAbsolutePath();
        Path jar = root.resolve("daemon/target/uniswitch.jar");
        assertTrue(Files.exists(jar), "no " + jar + ": package the daemon first (mvn package)");
        List<String> switches = new ArrayList<>(List.of("bridge", "bridge-offloads", "uniswitch", "uniswitch-vnet"));
        boolean withOvs = Tools.which("ovs-vswitchd").isPresent();
        if (withOvs) {
            switches.add("ovs");
        }
        Path json = dir.resolve("report.json");
        Path charts = dir.resolve("charts");
        Set<String> before = new HashSet<>(Netns.list());

        int status = BridgeComparison.run(new String[] {"--quick", "--seconds", "1", "--repeat",
            Integer.toString(REPEAT), "--pings", "100", "--flood", "2000", "--switches", String.join(",", switches),
            "--jar", jar.toString(), "--standin-source",
            root.resolve("daemon/src/test/c/standin_tender.c").toString(), "--json", json.toString(),
            "--charts", charts.toString()});

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(JsonReport.SCHEMA, report.path("schema").asText());
        assertTrue(report.path("failures").isArray() && report.path("failures").isEmpty(),
                "failures: " + report.path("failures"));
        Set<String> skipped = new HashSet<>();
        for (JsonNode s : report.path("switches")) {
            if (!s.path("skipped").isNull()) {
                skipped.add(s.path("id").asText());
            }
        }
        assertTrue(skipped.isEmpty() || skipped.equals(Set.of("ovs")), "only OVS may be skipped: " + skipped);
        assertEquals(skipped.isEmpty() ? 0 : 3, status, "exit status");

        JsonNode rows = report.path("rows");
        assertEquals(Metric.values().length, rows.size(), "one row per metric");
        for (int i = 0; i < Metric.values().length; i++) {
            Metric m = Metric.values()[i];
            JsonNode row = rows.get(i);
            assertEquals(m.id(), row.path("id").asText());
            boolean quickSize = m.scenario() != Metric.Scenario.SWEEP
                    || BenchOptions.QUICK_SIZES.contains(m.frameBytes());
            double highestMedian = 0;
            for (String sw : switches) {
                JsonNode r = row.path("results").path(sw);
                if (!Results.applies(m, sw)) {
                    assertTrue(r.isMissingNode(), m.id() + " is not measured for " + sw + ": " + r);
                } else if (!quickSize) {
                    assertTrue(r.path("samples").isEmpty(), m.id() + " is not a quick size: " + r);
                } else if (!skipped.contains(sw)) {
                    checkFinite(m, sw, r);
                    highestMedian = Math.max(highestMedian, r.path("median").asDouble());
                }
            }
            if (!m.isLoss() && quickSize) {
                // Not a speed threshold: a harness that counted nothing would give 0 for every switch.
                assertTrue(highestMedian > 0, m.id() + ": no switch measured anything: " + row);
            }
            if (!m.isLoss() && quickSize) {
                assertTrue(row.path("ratios").path("uniswitch/bridge").isNumber(), m.id() + " ratio: " + row);
            }
        }

        for (String file : Charts.files()) {
            Path png = charts.resolve(file);
            assertTrue(Files.size(png) > 0, png + " written");
            assertNotNull(ImageIO.read(png.toFile()), png + " is an image");
        }
        Set<String> left = new HashSet<>(Netns.list());
        left.removeAll(before);
        left.removeIf(name -> !OURS.matcher(name).matches());
        assertTrue(left.isEmpty(), "namespaces left behind: " + left);
    }

    private static void checkFinite(Metric m, String sw, JsonNode r) {
        String where = m.id() + " of " + sw + ": " + r;
        JsonNode samples = r.path("samples");
        assertEquals(REPEAT, samples.size(), where);
        for (JsonNode v : samples) {
            assertTrue(v.isNumber() && Double.isFinite(v.asDouble()), where);
        }
        for (String field : List.of("median", "min", "max")) {
            assertTrue(r.path(field).isNumber(), field + " of " + where);
        }
        for (JsonNode v : r.path("cpu_kernel_s")) {
            assertTrue(v.isNumber(), "host cpu of " + where);
        }
        boolean kernel = sw.startsWith("bridge");
        for (JsonNode v : r.path("cpu_process_s")) {
            assertTrue(kernel ? v.isNull() : v.isNumber() && v.asDouble() >= 0, "process cpu of " + where);
        }
    }
}
