package io.uniswitch.daemon.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.daemon.cli.Main;
import io.uniswitch.daemon.control.ControlClient;
import io.uniswitch.netlab.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code uniswitch run} process inside a network namespace, as an operator would start it, for integration
 * tests. The CLI verbs ({@code show -j}, {@code fdb -j}) go through the same code as the command line.
 */
final class SwitchProcess implements AutoCloseable {
    private final Netns ns;
    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Process process;

    private SwitchProcess(Netns ns, Path dir, Path socket, Path log, Process process) {
        this.ns = ns;
        this.dir = dir;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /** Command line of {@code uniswitch ARGS} on this JVM's class path. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Writes the config (the control section is added here) and starts the switch; waits until it answers. */
    static SwitchProcess start(Netns ns, Path dir, String configWithoutControl) throws Exception {
        Path socket = dir.resolve("switch.sock");
        Path config = dir.resolve("uniswitch.yaml");
        Files.writeString(config, configWithoutControl + "\ncontrol: {socket: " + socket + "}\n");
        Path log = dir.resolve("switch.log");
        Process p = ns.spawn(javaCommand("run", "--config", config.toString()), log);
        SwitchProcess sp = new SwitchProcess(ns, dir, socket, log, p);
        sp.awaitReady();
        return sp;
    }

    private void awaitReady() throws Exception {
        ControlClient client = new ControlClient(socket);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("switch exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket)) {
                try {
                    client.call(client.newRequest("ping"));
                    return;
                } catch (ControlClient.ControlException notYet) {
                    // Still starting.
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("switch did not answer within 30 s:\n" + log());
    }

    Path socket() {
        return socket;
    }

    Netns ns() {
        return ns;
    }

    long pid() {
        return process.pid();
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Runs a CLI verb in-process against this switch and returns its JSON output. */
    JsonNode cliJson(String verb) throws IOException {
        CliRun r = cli(verb, "-j", "--socket", socket.toString());
        if (r.exitCode != 0) {
            throw new AssertionError("uniswitch " + verb + " -j exited " + r.exitCode + ": " + r.err);
        }
        return new ObjectMapper().readTree(r.out);
    }

    record CliRun(int exitCode, String out, String err) {
    }

    /** Runs the CLI in-process, capturing what it prints. */
    static synchronized CliRun cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Port object from {@code show -j} by name. */
    JsonNode port(String name) throws IOException {
        for (JsonNode p : cliJson("show").path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no port " + name + " in show");
    }

    /** SIGKILL, as the kernel's OOM killer or a hard stop would: nothing of the switch's own stop runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("switch still alive 10 s after SIGKILL");
        }
    }

    /** SIGTERM, then waits; returns the exit status (0 is a clean stop). */
    int stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("switch did not stop within 20 s of SIGTERM:\n" + log());
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    Path dir() {
        return dir;
    }
}
