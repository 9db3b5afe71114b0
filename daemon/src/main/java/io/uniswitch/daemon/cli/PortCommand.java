package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code uniswitch port add|del|set}: change ports of a running switch without disturbing the others. */
@Command(name = "port", mixinStandardHelpOptions = true,
        description = {"Add, remove or set ports of a running switch; traffic on the other ports is not disturbed.",
            "Changes last until the next reload or restart: put lasting ports in the config file."},
        subcommands = {PortCommand.Add.class, PortCommand.Del.class, PortCommand.Set.class})
final class PortCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code uniswitch port add NAME --type tap|netdev ...}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Attach a port, with the same settings and checks as a `ports:` entry of the config.")
    static final class Add extends ControlVerb {
        @Parameters(index = "0", paramLabel = "NAME", description = "interface name")
        String name;

        @Option(names = {"-t", "--type"}, required = true, description = "tap (created by the switch) or netdev "
                + "(an existing interface)")
        String type;

        @Option(names = "--mtu", description = "MTU (tap default 1500; netdev: keep the interface's)")
        Integer mtu;

        @Option(names = "--address", paramLabel = "CIDR", description = "tap only: IPv4 address, e.g. 10.0.1.1/24")
        String address;

        @Option(names = "--mac", description = "tap only: the tap's MAC")
        String mac;

        @Option(names = "--persist", description = "tap only: keep the tap when the switch stops")
        boolean persist;

        @Override
        String command() {
            return "port-add";
        }

        @Override
        void fill(ObjectNode request) {
            ObjectNode p = request.putObject("port");
            p.put("name", name);
            p.put("type", type);
            if (mtu != null) {
                p.put("mtu", mtu);
            }
            if (address != null) {
                p.put("address", address);
            }
            if (mac != null) {
                p.put("mac", mac);
            }
            if (persist) {
                p.put("persist", true);
            }
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("port " + r.path("added").asText() + " added");
        }
    }

    /** {@code uniswitch port del NAME}. */
    @Command(name = "del", mixinStandardHelpOptions = true,
            description = "Detach a port: its FDB entries go, a tap the switch created is removed, MTU and offloads "
                    + "of an attached interface are restored.")
    static final class Del extends ControlVerb {
        @Parameters(index = "0", paramLabel = "NAME", description = "port name")
        String name;

        @Override
        String command() {
            return "port-del";
        }

        @Override
        void fill(ObjectNode request) {
            request.put("name", name);
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("port " + r.path("removed").asText() + " removed");
        }
    }

    /** {@code uniswitch port set NAME --up|--down}. */
    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set a port's administrative state: a port that is down neither receives nor sends.")
    static final class Set extends ControlVerb {
        @Parameters(index = "0", paramLabel = "NAME", description = "port name")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        State state;

        static final class State {
            @Option(names = "--up", required = true, description = "forward on this port")
            boolean up;

            @Option(names = "--down", required = true, description = "stop forwarding on this port")
            boolean down;
        }

        @Override
        String command() {
            return "port-set";
        }

        @Override
        void fill(ObjectNode request) {
            request.put("name", name);
            request.put("up", state.up);
        }

        @Override
        void printText(JsonNode r, PrintWriter out) {
            out.println("port " + r.path("name").asText() + " " + (r.path("up").asBoolean() ? "up" : "down"));
        }
    }
}
