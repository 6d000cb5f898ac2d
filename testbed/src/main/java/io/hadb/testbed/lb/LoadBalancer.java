package io.hadb.testbed.lb;

import io.hadb.agent.exec.CommandRunner;

import io.hadb.testbed.NetnsCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A layer-4 load balancer with Azure Standard's rules, inside the lb namespace of an
 * {@link LbNetwork}: the kernel forwards (nftables DNAT, conntrack), this class only decides which
 * backends get new flows. Each backend has its own probe timer with a random phase; N consecutive
 * results change its state (see {@link ProbeThreshold}); each change replaces the kernel's rules
 * atomically. Existing flows stay pinned by conntrack; flows idle out after the idle timeout.
 */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LoadBalancer.class.getName());
    private static final int MAX_EVENTS = 200_000;

    private final LbNetwork net;
    private final LbSettings settings;
    private final List<Backend> pool;
    private final Consumer<LbEvent> sink;
    private final NetnsSockets sockets;
    private final Prober prober;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<ScheduledExecutorService> timers = new ArrayList<>();
    private final List<LbEvent> events = new ArrayList<>();
    private List<Backend> appliedTargets;
    private Process conntrack;
    private volatile boolean closed;

    private static final class Member {
        final Backend backend;
        final ProbeThreshold threshold;
        ProbeResult last;
        long lastNanos;

        Member(Backend backend, int n) {
            this.backend = backend;
            this.threshold = new ProbeThreshold(n);
        }
    }

    private LoadBalancer(LbNetwork net, LbSettings settings, List<Backend> pool, Consumer<LbEvent> sink) throws IOException {
        this.net = net;
        this.settings = settings;
        this.pool = List.copyOf(pool);
        this.sink = sink;
        this.sockets = new NetnsSockets(net.lbNamespace());
        this.prober = new Prober(sockets);
        for (Backend b : pool) members.put(b.name(), new Member(b, settings.threshold()));
    }

    /**
     * Installs the rules (every backend down), sets the idle timeout, starts logging new flows and
     * starts one probe timer per backend. The backends' namespaces must already be attached.
     */
    public static LoadBalancer start(LbNetwork net, LbSettings settings, List<Backend> pool, Consumer<LbEvent> sink)
            throws IOException {
        Set<String> names = new HashSet<>();
        for (Backend b : pool) if (!names.add(b.name())) throw new IllegalArgumentException("backend name " + b.name() + " is used twice");
        if (pool.isEmpty()) throw new IllegalArgumentException("the backend pool is empty");
        LoadBalancer lb = new LoadBalancer(net, settings, pool, sink == null ? e -> { } : sink);
        try {
            lb.applyRules();
            // conntrack is loaded by now (the table uses ct), so its per-namespace sysctl exists
            net.inNamespace(net.lbNamespace(), "sysctl", "-q", "-w",
                    "net.netfilter.nf_conntrack_tcp_timeout_established=" + settings.idleTimeout().toSeconds());
            lb.startFlowLog();
            lb.startProbes();
            LOG.info(() -> "lb: frontend " + settings.frontend().getHostAddress() + ":" + settings.port() + ", " + pool.size()
                    + " backends, probe every " + settings.probeInterval().toSeconds() + " s, threshold " + settings.threshold()
                    + ", " + settings.noBackendUp() + ", idle " + settings.idleTimeout().toSeconds() + " s");
            return lb;
        } catch (IOException | RuntimeException e) {
            lb.close();
            throw e;
        }
    }

    private void startProbes() {
        long period = settings.probeInterval().toNanos();
        // Silence is a failure when the interval ends; leave a little room for the next tick.
        Duration timeout = settings.probeInterval().minusMillis(Math.min(100, settings.probeInterval().toMillis() / 10));
        for (Member m : members.values()) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lb-probe-" + m.backend.name());
                t.setDaemon(true);
                return t;
            });
            timers.add(timer);
            long phase = ThreadLocalRandom.current().nextLong(period);
            timer.scheduleAtFixedRate(() -> probeOnce(m, timeout), phase, period, TimeUnit.NANOSECONDS);
        }
    }

    private void probeOnce(Member m, Duration timeout) {
        if (closed) return;
        try {
            ProbeResult r = prober.probe(m.backend, timeout);
            if (closed) return;
            boolean changed;
            synchronized (this) {
                m.last = r;
                m.lastNanos = System.nanoTime();
                changed = m.threshold.record(r.outcome());
            }
            event(LbEvent.Kind.PROBE, m.backend.name(), r.outcome() + " (" + r.detail() + ")");
            if (changed) {
                boolean up = m.threshold.up();
                String why = r.outcome() == ProbeResult.Outcome.FAILED_AT_ONCE ? "failed at once: " + r.detail()
                        : m.threshold.streak() + " consecutive " + (up ? "successes" : "silent probes");
                event(LbEvent.Kind.STATE, m.backend.name(), (up ? "UP" : "DOWN") + " after " + why);
                applyRules();
            }
        } catch (IOException e) {
            event(LbEvent.Kind.ERROR, m.backend.name(), "rules not replaced, the old ones stay: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "lb: probe of " + m.backend.name() + " failed unexpectedly", e);
        }
    }

    /** Replaces the kernel's rules when the set of backends for new flows changed. */
    private synchronized void applyRules() throws IOException {
        if (closed) return;
        Set<String> up = new HashSet<>();
        for (Member m : members.values()) if (m.threshold.up()) up.add(m.backend.name());
        List<Backend> targets = BalancerRuleset.targets(pool, up, settings.noBackendUp());
        if (targets.equals(appliedTargets)) return;
        net.inNamespaceWithInput(net.lbNamespace(), BalancerRuleset.render(settings, targets), List.of("nft", "-f", "-"));
        appliedTargets = targets;
        List<String> names = targets.stream().map(Backend::name).toList();
        event(LbEvent.Kind.RULES, null, targets.isEmpty() ? "new flows: none, new SYNs are dropped silently"
                : "new flows hashed over " + String.join(",", names)
                + (up.isEmpty() ? " (no probe up: " + settings.noBackendUp() + ")" : ""));
    }

    private void startFlowLog() {
        List<String> cmd = NetnsCommand.with(net.lbNamespace(), "stdbuf", "-oL", "conntrack", "-E", "-e", "NEW",
                "-p", "tcp", "-d", settings.frontend().getHostAddress(), "--dport", String.valueOf(settings.port()));
        try {
            conntrack = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            event(LbEvent.Kind.ERROR, null, "new flows are not logged: cannot run conntrack (testbed/bin/install-deps installs it): "
                    + e.getMessage());
            return;
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (Backend b : pool) names.put(b.address().getHostAddress(), b.name());
        Process p = conntrack;
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String l = line;
                    ConntrackEvents.parseNew(l).ifPresentOrElse(
                            f -> event(LbEvent.Kind.FLOW, names.getOrDefault(f.backend(), f.backend()),
                                    f.client() + ":" + f.clientPort() + " -> " + f.backend()),
                            () -> {
                                if (!l.contains("flow events have been shown") && !closed)
                                    LOG.fine(() -> "lb: conntrack said: " + l);
                            });
                }
            } catch (IOException ignored) {
                // the process was ended by close()
            }
            if (!closed) event(LbEvent.Kind.ERROR, null, "conntrack event stream ended; new flows are no longer logged");
        }, "lb-flows");
        t.setDaemon(true);
        t.start();
    }

    private void event(LbEvent.Kind kind, String backend, String detail) {
        LbEvent e = new LbEvent(System.nanoTime(), kind, backend, detail);
        synchronized (events) {
            if (events.size() >= MAX_EVENTS) events.subList(0, MAX_EVENTS / 10).clear();
            events.add(e);
        }
        Level level = switch (kind) {
            case PROBE, FLOW -> Level.FINE;
            case STATE, RULES -> Level.INFO;
            case ERROR -> Level.WARNING;
        };
        LOG.log(level, () -> "lb: " + e.line());
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "lb: event sink failed", ex);
        }
    }

    public LbSettings settings() {
        return settings;
    }

    /** Every event so far (the oldest are dropped past 200,000), in order. */
    public List<LbEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Each backend's probe state, in pool order. */
    public synchronized List<BackendStatus> status() {
        List<BackendStatus> out = new ArrayList<>();
        for (Member m : members.values())
            out.add(new BackendStatus(m.backend.name(), m.backend.address().getHostAddress(), m.backend.probe().toString(),
                    m.threshold.up(), m.threshold.streak(), m.last, m.lastNanos));
        return out;
    }

    /** status() as lines for an operator. */
    public String statusText() {
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder();
        for (BackendStatus s : status()) sb.append(s.line(now)).append('\n');
        return sb.toString();
    }

    /** Stops probing and flow logging and removes the rules (the namespaces belong to the LbNetwork). */
    @Override
    public void close() {
        closed = true;
        for (ScheduledExecutorService t : timers) t.shutdownNow();
        for (ScheduledExecutorService t : timers) {
            try {
                t.awaitTermination(settings.probeInterval().toMillis() + 2000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (conntrack != null) {
            conntrack.destroy();
            try {
                if (!conntrack.waitFor(2, TimeUnit.SECONDS)) conntrack.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sockets.close();
        try {
            net.inNamespace(net.lbNamespace(), "nft", "delete", "table", "ip", BalancerRuleset.TABLE);
        } catch (IOException e) {
            LOG.fine(() -> "lb: rules already gone: " + e.getMessage());
        }
    }
}
