package io.uniswitch.daemon.cli;

import io.uniswitch.daemon.config.ConfigLoader;
import io.uniswitch.daemon.config.SwitchConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** How a CLI verb finds the switch's control socket. */
final class SocketOptions {
    @Option(names = {"-s", "--socket"}, paramLabel = "PATH",
            description = "control socket of the switch (default: the only socket in /run/uniswitch)")
    Path socket;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "take the control socket from this config file")
    Path config;

    @Option(names = {"-j", "--json"}, description = "print JSON instead of a table")
    boolean json;

    Path resolve() {
        if (socket != null) {
            return socket;
        }
        if (config != null) {
            SwitchConfig c = ConfigLoader.load(config);
            return c.controlSocket();
        }
        Path dir = SwitchConfig.DEFAULT_SOCKET_DIR;
        List<Path> sockets;
        try (Stream<Path> s = Files.list(dir)) {
            sockets = s.filter(p -> p.getFileName().toString().endsWith(".sock")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            sockets = List.of();
        }
        if (sockets.size() == 1) {
            return sockets.get(0);
        }
        if (sockets.isEmpty()) {
            throw new IllegalArgumentException("no switch is running (no control socket in " + dir
                    + "); start one with `uniswitch run --config FILE`, or pass --socket PATH");
        }
        throw new IllegalArgumentException("several switches are running (" + sockets.stream().map(Path::toString)
                .collect(Collectors.joining(", ")) + "); choose one with --socket PATH");
    }
}
