package io.uniswitch.daemon.cli;

import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.config.ConfigLoader;
import io.uniswitch.daemon.config.SwitchConfig;
import io.uniswitch.daemon.run.StartException;
import io.uniswitch.daemon.run.SwitchDaemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uniswitch run}: start a switch from a config file and run it until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start a switch from a config file and forward until stopped (SIGTERM or Ctrl-C).",
            "Every port is opened and configured before forwarding starts; if any step fails, everything done so far",
            "is undone and the command exits 3. On stop, taps the switch created are removed (unless persist: true)",
            "and changed MTUs and offloads are restored."})
final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "the switch config (YAML); see deploy/uniswitch.yaml and the README")
    Path config;

    @Option(names = "--check", description = "validate the config file and exit (changes nothing)")
    boolean check;

    @Option(names = {"-v", "--verbose"}, description = "log more")
    boolean verbose;

    @Override
    public Integer call() {
        LogSetup.configure(verbose, System.console() != null);
        SwitchConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("uniswitch: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (check) {
            System.out.println(config + ": ok (switch " + cfg.switchName() + ", " + cfg.ports().size() + " ports)");
            return ExitCodes.OK;
        }
        SwitchDaemon daemon;
        try {
            daemon = SwitchDaemon.start(cfg);
        } catch (StartException e) {
            System.err.println("uniswitch: cannot start switch " + cfg.switchName() + ": " + e.getMessage());
            System.err.println("uniswitch: nothing was left configured");
            return ExitCodes.START_FAILED;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(daemon::close, "uniswitch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.onTermOrInt(stop::countDown);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // The JVM is exiting already; the hook closes the daemon (a second close is a no-op).
        }
        return ExitCodes.OK;
    }
}
