package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.control.ControlClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A CLI verb that sends one request to a running switch and prints the answer as a table or as JSON. */
abstract class ControlVerb implements Callable<Integer> {
    @Mixin
    SocketOptions where;

    @Spec
    CommandSpec spec;

    /** The request's command word. */
    abstract String command();

    /** Prints the result as text for people. */
    abstract void printText(JsonNode result, PrintWriter out);

    /** Adds the verb's arguments to the request. */
    void fill(com.fasterxml.jackson.databind.node.ObjectNode request) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path socket;
        try {
            socket = where.resolve();
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("uniswitch: " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        }
        ControlClient client = new ControlClient(socket);
        JsonNode result;
        try {
            com.fasterxml.jackson.databind.node.ObjectNode request = client.newRequest(command());
            fill(request);
            result = client.call(request);
        } catch (ControlClient.ControlException e) {
            err.println("uniswitch: " + e.getMessage());
            return e.unreachable() ? ExitCodes.UNREACHABLE : ExitCodes.FAILURE;
        }
        if (where.json) {
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            printText(result, out);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
