package io.hadb.agent;

import io.hadb.agent.config.AgentConfig;
import io.hadb.agent.config.ConfigException;
import io.hadb.agent.config.ConfigParser;
import io.hadb.agent.config.KeyFile;
import io.hadb.agent.control.ControlServer;
import io.hadb.agent.log.Logs;
import io.hadb.agent.state.IncarnationStore;
import io.hadb.agent.state.StateStore;
import io.hadb.protocol.PersistentState;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hadb-agent --config FILE}: joins the cluster and runs until stopped. */
@Command(name = "hadb-agent", mixinStandardHelpOptions = true, version = "hadb-agent 0.1",
        description = "The hadb cluster agent: membership, quorum, election and leases over authenticated UDP.",
        subcommands = {AgentMain.Keygen.class, AgentMain.CheckConfig.class})
public final class AgentMain implements Callable<Integer> {
    /** Exit codes: 2 for a configuration, key or state the agent refuses; 1 for a failure at run time. */
    static final int EXIT_REFUSED = 2;
    static final int EXIT_FAILED = 1;

    private static final Logger LOG = Logger.getLogger("hadb.agent");

    @Option(names = {"-c", "--config"}, description = "configuration file (default: ${DEFAULT-VALUE})",
            defaultValue = "/etc/hadb/hadb.toml")
    Path config;

    @Option(names = "--node", description = "this node's name, instead of the file's `node` key")
    String node;

    @Option(names = "--debug", description = "log at debug level")
    boolean debug;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new AgentMain());
    }

    @Override
    public Integer call() throws Exception {
        Logs.setup(debug ? Level.FINE : Level.INFO);
        io.hadb.agent.control.History history = io.hadb.agent.control.History.install();
        PrintWriter err = new PrintWriter(System.err, true);
        AgentConfig cfg;
        byte[] key;
        PersistentState persisted;
        StateStore store;
        java.util.Optional<io.hadb.agent.config.ResourceConfig> resources;
        io.hadb.agent.control.ControlConfig controlConfig;
        try {
            cfg = ConfigParser.parseFile(config, node);
            resources = io.hadb.agent.config.ResourceConfigParser.parseFile(config, cfg.me().name());
            if (resources.isPresent() && !cfg.me().isData())
                throw new ConfigException("drbd", "a witness runs no resources: remove [drbd], [filesystem], [mysql]");
            controlConfig = io.hadb.agent.control.ControlConfig.parseFile(config, cfg.dataDir());
            key = KeyFile.read(cfg.keyFile());
            store = new StateStore(cfg.dataDir());
            store.prepare();
            persisted = store.load();
        } catch (ConfigException e) {
            err.println("hadb-agent: configuration " + config + ": " + e.getMessage());
            return EXIT_REFUSED;
        } catch (KeyFile.KeyFileException | StateStore.CorruptStateException e) {
            err.println("hadb-agent: " + e.getMessage());
            return EXIT_REFUSED;
        }
        if (controlConfig.mlockall()) {
            var failed = io.hadb.agent.systemd.MemoryLock.lockAll();
            if (failed.isPresent()) LOG.warning("mlockall failed, memory not locked (pages may be swapped out and delay "
                    + "heartbeats): " + failed.get());
            else LOG.info("memory locked (mlockall current and future)");
        }
        long incarnation = IncarnationStore.next(cfg.dataDir());
        LOG.info("starting as " + cfg.me().name() + " (id " + cfg.self() + ", " + cfg.me().role().name().toLowerCase()
                + ") in cluster " + cfg.cluster().clusterId() + " of " + cfg.cluster().nodes().size() + " nodes, on "
                + cfg.localAddresses() + "; term " + persisted.term() + ", record " + persisted.record().version());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoop loop = group.next();
        CountDownLatch done = new CountDownLatch(1);
        int[] exit = {0};
        Agent agent = new Agent(cfg, loop, store, key, incarnation, () -> {
            exit[0] = EXIT_FAILED;
            done.countDown();
        });
        ControlServer control = null;
        try {
            if (resources.isPresent()) agent.manage(resources.get());
            agent.start(persisted);
            control = ControlServer.start(agent, controlConfig, history);
        } catch (ConfigException e) {
            err.println("hadb-agent: configuration " + config + ": " + e.getMessage());
            agent.stop();
            group.shutdownGracefully();
            return EXIT_REFUSED;
        } catch (Exception e) {
            err.println("hadb-agent: cannot start: " + e);
            group.shutdownGracefully();
            return EXIT_FAILED;
        }
        var t = cfg.cluster().timings();
        var notifier = io.hadb.agent.systemd.SystemdNotifier.start(agent::statusAsync,
                2 * (t.failureTimeoutMs() + t.leaseMs()));
        java.time.Duration handover = java.time.Duration.ofMillis(t.handoverTimeoutMs() + 2 * t.leaseMs());
        // the JVM ends as soon as every shutdown hook has returned: the hook waits for the clean stop below
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            done.countDown();
            try {
                finished.await(handover.toMillis() + 10_000, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGTERM and SIGINT are handled here rather than by the JVM's shutdown, which resets java.util.logging
        // first: the hand-over below must be logged, and the process then exits 0 (a clean stop for systemd)
        for (String sig : java.util.List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                    LOG.info("SIG" + s.getName() + " received");
                    done.countDown();
                });
            } catch (IllegalArgumentException e) {
                LOG.warning("cannot handle SIG" + sig + " (" + e.getMessage() + "): it stops the agent without a hand-over");
            }
        }
        done.await();
        try {
            LOG.info(exit[0] == 0 ? "stopping" : "stopping after a fatal error");
            if (exit[0] == 0) new ShutdownHandover(agent, handover, notifier.orElse(null)).run();
            else notifier.ifPresent(n -> n.stopping("stopping after a fatal error"));
            control.close();
            agent.stop();
            notifier.ifPresent(io.hadb.agent.systemd.SystemdNotifier::close);
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        } finally {
            finished.countDown();
        }
        return exit[0];
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Writes a new random cluster key (64 bytes, mode 0400) to FILE; copy it to every node.")
    static final class Keygen implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "where to write the key (must not exist)")
        Path file;

        @Override
        public Integer call() {
            try {
                KeyFile.generate(file);
                System.out.println("wrote a new " + KeyFile.GENERATED_BYTES + "-byte key to " + file + " (mode 0400)");
                return 0;
            } catch (Exception e) {
                System.err.println("hadb-agent keygen: " + e.getMessage());
                return EXIT_FAILED;
            }
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Validates the configuration and the key file, then exits.")
    static final class CheckConfig implements Callable<Integer> {
        @CommandLine.ParentCommand
        AgentMain parent;

        @Override
        public Integer call() {
            try {
                AgentConfig cfg = ConfigParser.parseFile(parent.config, parent.node);
                KeyFile.read(cfg.keyFile());
                System.out.println("configuration " + parent.config + " is valid: node " + cfg.me().name() + " of "
                        + cfg.cluster().nodes().size());
                return 0;
            } catch (ConfigException e) {
                System.err.println("hadb-agent: configuration " + parent.config + ": " + e.getMessage());
                return EXIT_REFUSED;
            } catch (KeyFile.KeyFileException e) {
                System.err.println("hadb-agent: " + e.getMessage());
                return EXIT_REFUSED;
            }
        }
    }
}
