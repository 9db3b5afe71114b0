package io.uniswitch.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code uniswitch reload}: the running switch re-reads its config file and applies the difference. */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Re-read the running switch's config file and apply the difference.",
            "The same as SIGHUP or systemctl reload: ports added, removed or changed, static entries, FDB ageing.",
            "Untouched ports keep forwarding. An invalid file or a failed step changes nothing and is reported here",
            "(exit 1)."})
final class ReloadCommand extends ControlVerb {
    @Override
    String command() {
        return "reload";
    }

    @Override
    void printText(JsonNode r, PrintWriter out) {
        out.println("reloaded: " + r.path("applied").asText());
    }
}
