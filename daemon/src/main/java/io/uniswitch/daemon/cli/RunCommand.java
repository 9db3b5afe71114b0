package io.uniswitch.daemon.cli;

import io.uniswitch.daemon.config.ConfigException;
import io.uniswitch.daemon.config.ConfigLoader;
import io.uniswitch.daemon.config.SwitchConfig;
import io.uniswitch.daemon.run.StartException;
import io.uniswitch.daemon.run.SwitchDaemon;
import io.uniswitch.daemon.systemd.LoopProbe;
import io.uniswitch.daemon.systemd.SdNotify;
import io.uniswitch.daemon.systemd.Watchdog;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uniswitch run}: start a switch from a config file and run it until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start a switch from a config file and forward until stopped (SIGTERM or Ctrl-C).",
            "Every port is opened and configured before forwarding starts; if any step fails, everything done so far",
            "is undone and the command exits 3. On stop, taps the switch created are removed (unless persist: true)",
            "and changed MTUs and offloads are restored. SIGHUP (systemctl reload) re-reads the file and applies the",
            "difference: ports added, removed or changed, untouched ports undisturbed. Under systemd (Type=notify) it",
            "reports READY once every port is up, STATUS lines, STOPPING, and watchdog pings while the loop runs."})
final class RunCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(RunCommand.class.getName());

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "the switch config (YAML); see deploy/uniswitch.yaml and the README")
    Path config;

    @Option(names = "--check", description = "validate the config file and exit (changes nothing)")
    boolean check;

    @Option(names = {"-v", "--verbose"}, description = "log more")
    boolean verbose;

    /**
     * Re-reads the config file and applies the difference. An invalid file or a failed step leaves the running
     * switch as it was, and the error is logged.
     */
    private void reload(SwitchDaemon daemon, SdNotify notify) {
        notify.reloading();
        try {
            daemon.reload(ConfigLoader.load(config));
        } catch (ConfigException | StartException e) {
            // Logged by the daemon; the running config stays.
        }
        notify.status(daemon.statusLine());
        notify.ready();
    }

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
        SdNotify notify = SdNotify.fromEnvironment();
        notify.status("starting switch " + cfg.switchName() + ": " + cfg.ports().size() + " ports");
        SwitchDaemon daemon;
        try {
            daemon = SwitchDaemon.start(cfg);
        } catch (StartException e) {
            notify.status("start failed: " + e.getMessage());
            System.err.println("uniswitch: cannot start switch " + cfg.switchName() + ": " + e.getMessage());
            System.err.println("uniswitch: nothing was left configured");
            notify.close();
            return ExitCodes.START_FAILED;
        }
        // Every port and the control socket are up: only now is the service ready.
        notify.status(daemon.statusLine());
        notify.ready();
        Optional<Watchdog> watchdog = Watchdog.start(notify, new LoopProbe(daemon.dataplane()::execute));

        // Signals only wake this thread; stop and reload run here, one at a time.
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Thread hook = new Thread(() -> {
            notify.stopping();
            watchdog.ifPresent(Watchdog::close);
            daemon.close();
        }, "uniswitch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.onTermOrInt(() -> events.add("stop"));
        Signals.onHup(() -> events.add("reload"));
        try {
            for (String event = events.take(); !event.equals("stop"); event = events.take()) {
                reload(daemon, notify);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notify.stopping();
        notify.status("stopping");
        watchdog.ifPresent(Watchdog::close);
        daemon.close();
        notify.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // The JVM is exiting already; the hook closes the daemon (a second close is a no-op).
        }
        return ExitCodes.OK;
    }
}
