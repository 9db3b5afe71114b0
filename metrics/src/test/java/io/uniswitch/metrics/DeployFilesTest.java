package io.uniswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.bridge.engine.EngineConfig;
import io.uniswitch.bridge.engine.ForwardingEngine;
import io.uniswitch.bridge.port.MemoryPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus config, rules and Grafana dashboard in deploy/ are valid, and name only metrics this module
 * exports and series the rules record, so a renamed metric cannot silently empty a dashboard or an alert.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
            .resolve("../deploy").normalize();
    private static final Path PROMETHEUS_YML = DEPLOY.resolve("prometheus/prometheus.yml");
    private static final Path RULES = DEPLOY.resolve("prometheus/uniswitch.rules.yml");
    private static final Path RULES_TEST = DEPLOY.resolve("prometheus/uniswitch.rules.test.yml");
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/uniswitch-dashboard.json");
    /** Exported names start with uniswitch_, recorded ones with uniswitch: (level:metric:operations). */
    private static final Pattern EXPORTED = Pattern.compile("\\buniswitch_[a-z0-9_]+");
    private static final Pattern RECORDED = Pattern.compile("\\buniswitch:[a-z0-9_]+:[a-z0-9_]+");
    private static final Pattern RECORD = Pattern.compile("(?m)^\\s*- record:\\s*(\\S+)\\s*$");

    @Test
    void promtoolAcceptsTheConfig() throws Exception {
        Promtool.Result r = Promtool.run(null, "check", "config", PROMETHEUS_YML.toString());
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws Exception {
        Promtool.Result check = Promtool.run(null, "check", "rules", RULES.toString());
        assertEquals(0, check.exitCode(), check.output());
        Promtool.Result test = Promtool.run(null, "test", "rules", RULES_TEST.toString());
        assertEquals(0, test.exitCode(), test.output());
    }

    @Test
    void rulesNameOnlyExportedMetrics() throws Exception {
        Set<String> unknown = new TreeSet<>(find(EXPORTED, Files.readString(RULES)));
        unknown.removeAll(exportedNames());
        assertEquals(Set.of(), unknown, "names in " + RULES + " that no scrape contains");
    }

    @Test
    void dashboardIsValidJsonNamingOnlyExportedAndRecordedSeries() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertEquals("uniswitch-overview", dashboard.path("uid").asText());
        Set<String> recorded = find(RECORD, Files.readString(RULES));
        Set<String> exported = exportedNames();
        Set<Integer> ids = new HashSet<>();
        int targets = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate panel id " + panel.path("id"));
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertFalse(expr.isEmpty(), panel.path("title").asText());
                Set<String> unknownExported = find(EXPORTED, expr);
                unknownExported.removeAll(exported);
                Set<String> unknownRecorded = find(RECORDED, expr);
                unknownRecorded.removeAll(recorded);
                assertEquals(Set.of(), unknownExported, panel.path("title").asText() + ": " + expr);
                assertEquals(Set.of(), unknownRecorded, panel.path("title").asText() + ": " + expr);
                targets++;
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Set<String> unknown = find(EXPORTED, variable.path("definition").asText());
            unknown.removeAll(exported);
            assertEquals(Set.of(), unknown, "variable " + variable.path("name").asText());
        }
        assertTrue(targets >= 10, "dashboard queries: " + targets);
    }

    /** Every metric name in a scrape of a switch with every kind of meter bound. */
    private static Set<String> exportedNames() {
        ForwardingEngine engine = new ForwardingEngine(EngineConfig.defaults(), () -> 0L);
        try (SwitchMetrics metrics = new SwitchMetrics("sw0", "test"); MemoryPort port = new MemoryPort("p0")) {
            metrics.bindEngine(engine);
            metrics.bindPort(port);
            metrics.bindLoopBusyRatio(() -> 0);
            metrics.bindTenderRestarts("p0", () -> 0);
            Set<String> names = new TreeSet<>();
            for (String line : metrics.scrape(SwitchMetrics.TEXT_CONTENT_TYPE).split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    names.add(line.split(" ")[2]);
                }
            }
            return names;
        }
    }

    private static Set<String> find(Pattern p, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return out;
    }
}
