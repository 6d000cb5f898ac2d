package io.hadb.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.config.ConfigException;
import io.hadb.agent.config.ConfigParser;
import io.hadb.agent.control.ControlClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentctl status | standby NODE | unstandby NODE | switchover [NODE] | maintenance on|off}. */
@Command(name = "agentctl", mixinStandardHelpOptions = true, version = "agentctl 0.1",
        description = "Asks the local hadb agent for its view, or gives it an operator intent.")
public final class AgentCtl implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, defaultValue = "/etc/hadb/hadb.toml",
            description = "the agent's configuration, to find its control socket (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = {"-s", "--socket"}, description = "the control socket, instead of data_dir/control.sock")
    Path socket;

    @Parameters(arity = "1..*", paramLabel = "COMMAND",
            description = "status | standby NODE | unstandby NODE | switchover [NODE] | maintenance on|off")
    List<String> command;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentCtl()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path s = socket;
        if (s == null) {
            if (Files.exists(config)) {
                try {
                    s = ConfigParser.parseFile(config, null).controlSocket();
                } catch (ConfigException e) {
                    System.err.println("agentctl: configuration " + config + ": " + e.getMessage());
                    return 2;
                }
            } else {
                s = ConfigParser.DEFAULT_DATA_DIR.resolve("control.sock");
            }
        }
        String answer;
        try (ControlClient c = new ControlClient(s)) {
            answer = c.ask(String.join(" ", command));
        } catch (java.io.IOException e) {
            System.err.println("agentctl: cannot reach the agent at " + s + ": " + e.getMessage());
            return 3;
        }
        JsonNode j = new ObjectMapper().readTree(answer);
        if (j.has("error")) {
            System.err.println("agentctl: " + j.get("error").asText());
            return 2;
        }
        if (j.has("accepted")) {
            System.out.println((j.get("accepted").asBoolean() ? "accepted: " : "refused: ") + j.get("message").asText());
            return j.get("accepted").asBoolean() ? 0 : 1;
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(j));
        return 0;
    }
}
