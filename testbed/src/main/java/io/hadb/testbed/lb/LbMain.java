package io.hadb.testbed.lb;

import io.hadb.agent.exec.CommandRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * The balancer as a process of its own, for a sandbox whose command line exits: builds the
 * network, runs the balancer until SIGTERM, appends every event to --events and rewrites --status
 * every 0.5 s; on SIGTERM it removes its rules and the namespaces it created.
 */
@Command(name = "hadb-lb", mixinStandardHelpOptions = true,
        description = "A layer-4 load balancer with Azure Standard's rules, inside namespaces it creates.")
public final class LbMain implements Callable<Integer> {
    @Option(names = "--prefix", required = true, description = "namespace prefix; the balancer's is PREFIX-lb")
    String prefix;
    @Option(names = "--port", defaultValue = "3306", description = "frontend and backend port (default 3306)")
    int port;
    @Option(names = "--probe-interval", defaultValue = "5", description = "seconds, at least 1 (default 5)")
    int interval;
    @Option(names = "--threshold", defaultValue = "1", description = "consecutive results that change a state (default 1)")
    int threshold;
    @Option(names = "--all-probed-up", description = "with no backend up, send new flows to all (default: drop SYNs)")
    boolean allProbedUp;
    @Option(names = "--idle-timeout", defaultValue = "240", description = "seconds (default 240)")
    int idle;
    @Option(names = "--backend", required = true, description = "NAME,ns=NAMESPACE,addr=10.213.1.X,probe=tcp:PORT|http:PORT/PATH")
    List<String> backends;
    @Option(names = "--client", description = "NAMESPACE,addr=10.213.0.X: a client namespace on the front bridge")
    List<String> clients = new ArrayList<>();
    @Option(names = "--attach", description = "NAMESPACE,addr=10.213.1.X: a namespace on the back bridge outside the pool")
    List<String> attached = new ArrayList<>();
    @Option(names = "--events", required = true, description = "file the events are appended to")
    Path eventsFile;
    @Option(names = "--status", required = true, description = "file rewritten with each backend's probe state")
    Path statusFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LbMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<BackendArg> pool = new ArrayList<>();
        for (String b : backends) pool.add(BackendArg.parse(b));
        LbSettings settings = new LbSettings(LbNetwork.FRONTEND, port, Duration.ofSeconds(interval), threshold,
                allProbedUp ? NoBackendUpPolicy.ALL_PROBED_UP : NoBackendUpPolicy.ALL_PROBED_DOWN, Duration.ofSeconds(idle));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "lb-shutdown"));
        try (BufferedWriter events = Files.newBufferedWriter(eventsFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             LbNetwork net = LbNetwork.create(prefix, new CommandRunner())) {
            for (BackendArg b : pool) net.attachBackend(b.namespace(), b.backend().address());
            for (String a : attached) {
                String[] f = a.split(",addr=", 2);
                if (f.length != 2) throw new IllegalArgumentException("attach '" + a + "' is not NAMESPACE,addr=10.213.1.X");
                net.attachBackend(f[0], LbSettings.ipv4(f[1]));
            }
            for (String c : clients) {
                String[] f = c.split(",addr=", 2);
                if (f.length != 2) throw new IllegalArgumentException("client '" + c + "' is not NAMESPACE,addr=10.213.0.X");
                net.attachClient(f[0], LbSettings.ipv4(f[1]));
            }
            try (LoadBalancer lb = LoadBalancer.start(net, settings, pool.stream().map(BackendArg::backend).toList(), e -> {
                synchronized (events) {
                    try {
                        events.write(e.line());
                        events.newLine();
                        events.flush();
                    } catch (IOException ignored) {
                        // the log is best effort; the balancer goes on
                    }
                }
            })) {
                while (!stop.await(500, java.util.concurrent.TimeUnit.MILLISECONDS)) writeStatus(lb);
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private void writeStatus(LoadBalancer lb) throws IOException {
        Path tmp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
        Files.writeString(tmp, lb.statusText());
        Files.move(tmp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
