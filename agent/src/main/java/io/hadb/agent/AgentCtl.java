package io.hadb.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.hadb.agent.config.AgentConfig;
import io.hadb.agent.config.ConfigException;
import io.hadb.agent.config.ConfigParser;
import io.hadb.agent.config.KeyFile;
import io.hadb.agent.config.ResourceConfig;
import io.hadb.agent.config.ResourceConfigParser;
import io.hadb.agent.control.ControlClient;
import io.hadb.agent.control.ControlConfig;
import io.hadb.agent.control.CtlExit;
import io.hadb.agent.control.PromoteWatch;
import io.hadb.agent.control.StepWatch;
import io.hadb.agent.control.StatusView;
import io.hadb.agent.control.SwitchoverWatch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code agentctl}: the operator's view of the local hadb agent, its intents, and DRBD's handlers. */
@Command(name = "agentctl", mixinStandardHelpOptions = true, version = "agentctl 0.1",
        description = "Asks the local hadb agent for its view, gives it an operator intent, or answers DRBD's handlers.",
        footer = {"", CtlExit.HELP},
        subcommands = {AgentCtl.Status.class, AgentCtl.Standby.class, AgentCtl.Unstandby.class, AgentCtl.Switchover.class,
                AgentCtl.Promote.class,
                AgentCtl.Maintenance.class, AgentCtl.History.class, AgentCtl.FencePeer.class, AgentCtl.UnfencePeer.class,
                AgentCtl.AfterResyncTarget.class, AgentCtl.Config.class, CommandLine.HelpCommand.class})
public final class AgentCtl implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = {"-c", "--config"}, defaultValue = "/etc/hadb/hadb.toml",
            description = "the agent's configuration, to find its control socket (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = {"-s", "--socket"}, description = "the control socket, instead of [control] socket or data_dir/control.sock")
    Path socket;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new AgentCtl());
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CtlExit.USAGE;
    }

    /** The socket: --socket, else the configuration's [control] socket or data_dir, else the default. */
    Path socketPath() {
        if (socket != null) return socket;
        try {
            String text = Files.readString(config);
            JsonNode root = new TomlMapper().readTree(text);
            JsonNode dd = root == null ? null : root.get("data_dir");
            Path dataDir = dd != null && dd.isTextual() ? Path.of(dd.asText()) : ConfigParser.DEFAULT_DATA_DIR;
            return ControlConfig.parse(text, dataDir).socket();
        } catch (IOException | ConfigException | RuntimeException e) {
            // an unreadable configuration (a group member may not read it) leaves the default
            return ConfigParser.DEFAULT_DATA_DIR.resolve("control.sock");
        }
    }

    /** A failure to talk to the agent, already worded for the operator, with its exit code. */
    static final class CtlFailure extends Exception {
        final int code;

        CtlFailure(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    ControlClient connect() throws CtlFailure {
        Path s = socketPath();
        try {
            return new ControlClient(s);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.toLowerCase().contains("permission denied"))
                throw new CtlFailure(CtlExit.DENIED, "permission denied on the control socket " + s
                        + ": run as root or as a member of the group named in [control] group");
            throw new CtlFailure(CtlExit.UNREACHABLE, "cannot reach the agent at " + s + " (" + m
                    + "): is hadb-agent running? (systemctl status hadb-agent)");
        }
    }

    /** How long a question may wait: a stopped or hung agent must not hang agentctl (and the scripts using it). */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);
    /** Intents are answered once the old master has released, which can take a mysqld's graceful stop. */
    static final Duration INTENT_TIMEOUT = Duration.ofSeconds(120);

    /** Sends one command and returns the parsed answer; an error answer becomes a CtlFailure. */
    static JsonNode ask(ControlClient c, String line) throws CtlFailure {
        boolean query = line.equals("status") || line.startsWith("history");
        return ask(c, line, query ? QUERY_TIMEOUT : INTENT_TIMEOUT);
    }

    static JsonNode ask(ControlClient c, String line, Duration timeout) throws CtlFailure {
        String answer;
        try {
            answer = c.ask(line, timeout);
        } catch (java.io.InterruptedIOException e) {
            throw new CtlFailure(CtlExit.UNREACHABLE, "the agent did not answer '" + line.split(" ")[0] + "' within "
                    + timeout.toSeconds() + " s: is it stopped or hung? (systemctl status hadb-agent)");
        } catch (IOException e) {
            throw new CtlFailure(CtlExit.UNREACHABLE, "the agent stopped answering: " + e.getMessage());
        }
        JsonNode j;
        try {
            j = JSON.readTree(answer);
        } catch (IOException e) {
            throw new CtlFailure(CtlExit.UNREACHABLE, "the agent answered something that is not JSON: " + answer);
        }
        if (j.has("error")) {
            boolean denied = j.path("denied").asBoolean(false);
            throw new CtlFailure(denied ? CtlExit.DENIED : CtlExit.USAGE, j.get("error").asText());
        }
        return j;
    }

    /** Runs a body that talks to the agent; prints a failure on stderr and turns it into the exit code. */
    int run(CtlBody body) {
        PrintWriter err = spec.commandLine().getErr();
        try (ControlClient c = connect()) {
            return body.run(c, spec.commandLine().getOut());
        } catch (CtlFailure f) {
            err.println("agentctl: " + f.getMessage());
            return f.code;
        } catch (IOException e) {
            err.println("agentctl: " + e.getMessage());
            return CtlExit.UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CtlExit.REFUSED;
        } finally {
            spec.commandLine().getOut().flush();
            err.flush();
        }
    }

    interface CtlBody {
        int run(ControlClient c, PrintWriter out) throws CtlFailure, IOException, InterruptedException;
    }

    /** Prints an intent's answer and returns its exit code. */
    static int intentAnswer(JsonNode a, PrintWriter out, PrintWriter err) {
        if (a.path("accepted").asBoolean()) {
            out.println("done: " + a.path("message").asText());
            return CtlExit.OK;
        }
        String m = a.path("message").asText();
        err.println("refused: " + m);
        return CtlExit.forRefusal(m);
    }

    /**
     * Asks for an intent on a second connection (its answer comes only once it has happened) while following its
     * steps through status answers on watchConn, each printed as it is seen. A refusal prints its sentence and
     * returns its exit code; past the deadline, {@code late} says what was and was not seen.
     */
    static int follow(AgentCtl parent, ControlClient watchConn, String line, Duration askTimeout, long deadline,
                      StepWatch w, PrintWriter out, PrintWriter err, java.util.function.Function<Boolean, String> late)
            throws CtlFailure, IOException, InterruptedException {
        ControlClient intentConn = parent.connect();
        CompletableFuture<JsonNode> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return ask(intentConn, line, askTimeout);
            } catch (CtlFailure f) {
                throw new java.util.concurrent.CompletionException(f);
            }
        });
        try {
            boolean answered = false;
            while (System.nanoTime() < deadline) {
                if (!answered && answer.isDone()) {
                    answered = true;
                    JsonNode a;
                    try {
                        a = answer.join();
                    } catch (java.util.concurrent.CompletionException e) {
                        if (e.getCause() instanceof CtlFailure f) throw f;
                        throw e;
                    }
                    String m = a.path("message").asText();
                    if (!a.path("accepted").asBoolean()) {
                        err.println("refused: " + m);
                        return CtlExit.forRefusal(m);
                    }
                    w.accepted(m, System.nanoTime()).forEach(out::println);
                }
                for (String l : w.observe(ask(watchConn, "status"), System.nanoTime())) out.println(l);
                out.flush();
                if (answered && w.done()) return CtlExit.OK;
                Thread.sleep(50);
            }
            err.println(late.apply(answered));
            return CtlExit.TIMEOUT;
        } finally {
            intentConn.close();
        }
    }

    // ------------------------------------------------------------ subcommands

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "The cluster as this node sees it: nodes, links, quorum, term, master, lease, DRBD, filesystem, mysqld, probe.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Option(names = "--json", description = "print the agent's raw JSON answer")
        boolean json;

        @Option(names = "--watch", description = "refresh every second until interrupted (Ctrl-C)")
        boolean watch;

        @Override
        public Integer call() {
            return parent.run((c, out) -> {
                do {
                    JsonNode s = ask(c, "status");
                    if (watch && !json) out.print("\033[H\033[2J");
                    out.print(json ? s.toString() + "\n" : StatusView.status(s));
                    out.flush();
                    if (watch) Thread.sleep(1000);
                } while (watch);
                return CtlExit.OK;
            });
        }
    }

    @Command(name = "standby", mixinStandardHelpOptions = true,
            description = "Put NODE in standby: it never serves; a master hands over cleanly first. It stays connected and UpToDate.")
    static final class Standby implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            return parent.run((c, out) -> intentAnswer(ask(c, "standby " + node), out, parent.spec.commandLine().getErr()));
        }
    }

    @Command(name = "unstandby", mixinStandardHelpOptions = true, description = "Take NODE out of standby.")
    static final class Unstandby implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            return parent.run((c, out) -> intentAnswer(ask(c, "unstandby " + node), out, parent.spec.commandLine().getErr()));
        }
    }

    @Command(name = "maintenance", mixinStandardHelpOptions = true,
            description = "Maintenance on: every resource action is frozen while membership goes on. off: back to normal.")
    static final class Maintenance implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Parameters(paramLabel = "on|off")
        String mode;

        @Override
        public Integer call() {
            if (!mode.equals("on") && !mode.equals("off")) {
                parent.spec.commandLine().getErr().println("agentctl: maintenance needs on or off, got " + mode);
                return CtlExit.USAGE;
            }
            return parent.run((c, out) -> intentAnswer(ask(c, "maintenance " + mode), out, parent.spec.commandLine().getErr()));
        }
    }

    @Command(name = "switchover", mixinStandardHelpOptions = true,
            description = "Hand the master role over cleanly (to NODE, or to any node that can take it), printing each "
                    + "step with its duration as it happens.")
    static final class Switchover implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Option(names = "--to", paramLabel = "NODE", description = "the node to hand over to")
        String to;

        @Parameters(arity = "0..1", paramLabel = "NODE", description = "the same as --to")
        String positional;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
                description = "how long to follow the steps (default: ${DEFAULT-VALUE})")
        long timeoutSeconds;

        @Override
        public Integer call() {
            String target = to != null ? to : positional;
            PrintWriter err = parent.spec.commandLine().getErr();
            return parent.run((watchConn, out) -> {
                JsonNode before = ask(watchConn, "status");
                long start = System.nanoTime();
                SwitchoverWatch w = new SwitchoverWatch(before, start);
                out.println(String.format("%9s %9s  switchover requested%s (master: %s, term %d)", "+0.000s", "",
                        target == null ? "" : " to " + target, w.oldMaster() == null ? "none known" : w.oldMaster(),
                        before.path("term").asLong()));
                out.flush();
                // the intent's answer comes once the old master released: ask on a second connection, watch on this
                return follow(parent, watchConn, "switchover" + (target == null ? "" : " " + target), INTENT_TIMEOUT,
                        start + Duration.ofSeconds(timeoutSeconds).toNanos(), w, out, err,
                        answered -> "agentctl: the switchover did not complete within " + timeoutSeconds + " s"
                                + (answered ? "" : " (the old master has not released yet)") + "; see agentctl history");
            });
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Make THIS node master although its copy is Outdated, when the master's data is gone for good "
                    + "(its disk lost). The writes made on the old master since this node was marked Outdated are given up.",
                    "Refused without --force; refused when this node is not Outdated, when a master is live or another node "
                    + "could serve without losing data (use switchover). Needs a majority of votes like any election; "
                    + "prints each step with its time."})
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Option(names = "--force", description = "accept losing the writes only the old master had")
        boolean force;

        @Option(names = "--window", defaultValue = "30", paramLabel = "SECONDS",
                description = "how long this node stands for election before giving up (default: ${DEFAULT-VALUE})")
        long windowSeconds;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
                description = "how long to follow the steps after the win (default: ${DEFAULT-VALUE})")
        long timeoutSeconds;

        @Override
        public Integer call() {
            PrintWriter err = parent.spec.commandLine().getErr();
            if (windowSeconds < 1 || windowSeconds > 300) {
                err.println("agentctl: --window must be 1..300 seconds, got " + windowSeconds);
                err.flush();
                return CtlExit.USAGE;
            }
            return parent.run((watchConn, out) -> {
                JsonNode before = ask(watchConn, "status");
                long start = System.nanoTime();
                String self = before.path("node").asText();
                JsonNode since = before.path("record").path("outdated").path(self);
                PromoteWatch w = new PromoteWatch(self, start);
                out.println(String.format("%9s %9s  promote%s requested on %s (%s; master: %s, term %d)", "+0.000s", "",
                        force ? " --force" : "", self, since.isMissingNode() ? "not Outdated" : "Outdated since term " + since.asLong(),
                        before.path("leader").isNull() ? "none known" : before.path("leader").asText(), before.path("term").asLong()));
                out.flush();
                // the answer comes once the forced election is won or the window ends: ask on a second connection
                return follow(parent, watchConn, "promote" + (force ? " --force " + windowSeconds * 1000 : ""),
                        INTENT_TIMEOUT.plusSeconds(windowSeconds), start + Duration.ofSeconds(windowSeconds + timeoutSeconds).toNanos(),
                        w, out, err, answered -> "agentctl: the forced promotion " + (answered ? "was won but " + self
                                + " was not seen serving" : "was not answered") + " in time; see agentctl status and agentctl history");
            });
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The agent's recent decisions (elections, serve changes, releases, committed records, fencing, "
                    + "intents, resource steps with their durations), oldest first.")
    static final class History implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Option(names = "--json", description = "print the agent's raw JSON answer")
        boolean json;

        @Override
        public Integer call() {
            return parent.run((c, out) -> {
                JsonNode h = ask(c, "history");
                out.print(json ? h.toString() + "\n" : StatusView.history(h, ZoneId.systemDefault()));
                return CtlExit.OK;
            });
        }
    }

    /**
     * DRBD's fence-peer handler ({@code handlers { fence-peer "/usr/sbin/agentctl fence-peer"; }}). Its exit code
     * is DRBD's answer: 4 peer Outdated, 3 peer Inconsistent, 1 otherwise (I/O stays frozen). It never answers
     * 5 or 6: an unreachable agent or peer is a 1.
     */
    @Command(name = "fence-peer", mixinStandardHelpOptions = true,
            description = "DRBD's fence-peer handler: reads DRBD_PEER, DRBD_RESOURCE from the environment and exits "
                    + "4 (peer Outdated), 3 (peer Inconsistent) or 1 (I/O stays frozen; also when the agent cannot be reached).")
    static final class FencePeer implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        @Option(names = "--wait-ms", defaultValue = "10000",
                description = "how long the agent may take to confirm the peer Outdated (default: ${DEFAULT-VALUE})")
        long waitMs;

        Map<String, String> env = System.getenv();

        @Override
        public Integer call() {
            PrintWriter err = parent.spec.commandLine().getErr();
            PrintWriter out = parent.spec.commandLine().getOut();
            try {
                Optional<String> peer = drbdPeer(env);
                String resource = env.getOrDefault("DRBD_RESOURCE", "");
                if (peer.isEmpty()) {
                    err.println("agentctl fence-peer: neither DRBD_PEER nor DRBD_PEERS is set: answering 1 (I/O stays frozen)");
                    return 1;
                }
                long wait = Math.max(0, Math.min(waitMs, 120_000));
                try (ControlClient c = parent.connect()) {
                    String answer = c.ask("fence-peer " + peer.get() + " " + wait + (resource.isBlank() ? "" : " " + resource),
                            Duration.ofMillis(wait + 3_000));
                    JsonNode j = JSON.readTree(answer);
                    int code = j.path("exit").asInt(1);
                    if (code != 3 && code != 4 && code != 7) code = 1;
                    out.println("fence-peer " + peer.get() + (resource.isBlank() ? "" : " (" + resource + ")") + ": "
                            + j.path("message").asText(j.path("error").asText("no answer")) + " -> exit " + code);
                    return code;
                }
            } catch (CtlFailure | IOException | RuntimeException e) {
                err.println("agentctl fence-peer: " + e.getMessage() + ": answering 1 (I/O stays frozen)");
                return 1;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }

    /** For tests: the environment a DRBD handler subcommand reads instead of the process's own. */
    public static void setHandlerEnvironment(Object handler, Map<String, String> env) {
        if (handler instanceof FencePeer f) f.env = Map.copyOf(env);
        else if (handler instanceof ResyncNotice r) r.env = Map.copyOf(env);
    }

    /** DRBD_PEER, else the first of DRBD_PEERS (DRBD 9 may set only that). */
    static Optional<String> drbdPeer(Map<String, String> env) {
        String p = env.getOrDefault("DRBD_PEER", "").trim();
        if (!p.isEmpty() && !p.contains(" ")) return Optional.of(p);
        String ps = env.getOrDefault("DRBD_PEERS", "").trim();
        if (!ps.isEmpty()) return Optional.of(ps.split("\\s+")[0]);
        return Optional.empty();
    }

    /** Tells the agent that DRBD ran a resync handler; always exits 0 so DRBD carries on. */
    abstract static class ResyncNotice implements Callable<Integer> {
        @ParentCommand
        AgentCtl parent;

        Map<String, String> env = System.getenv();

        abstract String handler();

        @Override
        public Integer call() {
            PrintWriter err = parent.spec.commandLine().getErr();
            String peer = drbdPeer(env).orElse("peer");
            String resource = env.getOrDefault("DRBD_RESOURCE", "");
            try (ControlClient c = parent.connect()) {
                c.ask(handler() + " " + peer + (resource.isBlank() ? "" : " " + resource), Duration.ofSeconds(5));
            } catch (CtlFailure | IOException | RuntimeException e) {
                err.println("agentctl " + handler() + ": could not tell the agent (" + e.getMessage()
                        + "); DRBD goes on, the agent sees the resync in DRBD's events");
            }
            err.flush();
            return 0;
        }
    }

    @Command(name = "unfence-peer", mixinStandardHelpOptions = true,
            description = "DRBD's unfence-peer handler: tells the agent the peer resynced; exits 0.")
    static final class UnfencePeer extends ResyncNotice {
        @Override
        String handler() {
            return "unfence-peer";
        }
    }

    @Command(name = "after-resync-target", mixinStandardHelpOptions = true,
            description = "DRBD's after-resync-target handler: tells the agent this node resynced; exits 0.")
    static final class AfterResyncTarget extends ResyncNotice {
        @Override
        String handler() {
            return "after-resync-target";
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration tools.",
            subcommands = {ConfigCheck.class})
    static final class Config implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CtlExit.USAGE;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validates an agent configuration file, resource sections included: prints OK, or the key "
                    + "and its problem (exit 2).")
    static final class ConfigCheck implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--node", description = "check as this node, instead of the file's `node` key")
        String node;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                AgentConfig cfg = ConfigParser.parseFile(file, node);
                Optional<ResourceConfig> rc = ResourceConfigParser.parseFile(file, cfg.me().name());
                if (rc.isPresent() && !cfg.me().isData())
                    throw new ConfigException("drbd", "a witness runs no resources: remove [drbd], [filesystem], [mysql]");
                ControlConfig cc = ControlConfig.parseFile(file, cfg.dataDir());
                if (cc.group().isPresent()) {
                    try {
                        file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(cc.group().get());
                    } catch (IOException e) {
                        throw new ConfigException("control.group", "no group named \"" + cc.group().get() + "\" on this system");
                    }
                }
                out.println("OK: " + file + ": node " + cfg.me().name() + " (" + (cfg.me().isData() ? "data" : "witness")
                        + ") of " + cfg.cluster().nodes().size() + " nodes"
                        + rc.map(r -> ", resources: DRBD " + r.drbdResource()).orElse(", no resources")
                        + ", control socket " + cc.socket());
                try {
                    KeyFile.read(cfg.keyFile());
                } catch (KeyFile.KeyFileException e) {
                    err.println("warning: " + e.getMessage() + " (the agent will not start without it)");
                }
                return CtlExit.OK;
            } catch (ConfigException e) {
                err.println(file + ": " + e.getMessage());
                return CtlExit.USAGE;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }
}
