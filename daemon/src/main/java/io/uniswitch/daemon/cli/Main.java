package io.uniswitch.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code uniswitch} command. */
@Command(name = "uniswitch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        usageHelpAutoWidth = true, usageHelpWidth = 110,
        description = {
            "A userspace Ethernet switch for unikernel tenders and VMs: a drop-in for the kernel bridge br100.",
            "",
            "Start here:  uniswitch demo      (a switch carrying real traffic between namespaces, then cleaned up)",
            "Run:         uniswitch run --config deploy/uniswitch.yaml",
            "Inspect:     uniswitch show | uniswitch fdb   (-j for JSON)"},
        subcommands = {RunCommand.class, DemoCommand.class, ShowCommand.class, FdbCommand.class, StatsCommand.class,
            PortCommand.class, ReloadCommand.class, CaptureCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success, or a clean stop on SIGTERM/SIGINT",
            "1:the switch failed while running, or refused a control command",
            "2:bad command line or invalid config (nothing was changed)",
            "3:the switch could not start (everything it set up was undone)",
            "4:no switch answered on the control socket"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Netty's leak detector samples allocations and wraps buffers: a per-frame cost in production. Tests turn it
        // on (paranoid) through Surefire; an operator can with -Dio.netty.leakDetection.level=simple.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(t -> ExitCodes.FAILURE);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("uniswitch: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"uniswitch " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.arch")};
        }
    }
}
