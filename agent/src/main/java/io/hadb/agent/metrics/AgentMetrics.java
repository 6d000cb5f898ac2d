package io.hadb.agent.metrics;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.mysql.HealthStatus;
import io.hadb.protocol.wire.DropReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every metric the agent exports, over one {@link PrometheusMeterRegistry}. State metrics are gauges set from
 * the agent's latest view; a state with a fixed set of values (role, DRBD states, mysqld health) is one
 * gauge per value with a label, exactly one of them 1, so a dashboard can both read and alert on it. Events
 * are counters and timers. Thread-safe: the agent updates from its loop, the HTTP port scrapes from its own.
 */
public final class AgentMetrics {
    /** The content type of {@link #scrape()}: Prometheus' text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Roles registered up front so that each appears (at 0) before the agent ever holds it. */
    public static final List<String> KNOWN_ROLES = List.of("master", "replica", "candidate", "witness", "unknown");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private final OneOf role = new OneOf("hadb.role", "role", "This node's role: 1 for the current one.");
    private final Value term = gauge("hadb.term", null, "Current election term.");
    private final Value quorum = gauge("hadb.quorum", null, "1 while this node is part of a majority.");
    private final Value lease = gauge("hadb.lease.remaining", "seconds",
            "How long the master's lease still runs as this node sees it.");
    private final OneOf drbdRole = new OneOf("hadb.drbd.role", "role", "DRBD role of this node: 1 for the current one.");
    private final OneOf drbdDisk = new OneOf("hadb.drbd.disk.state", "state", "DRBD disk state: 1 for the current one.");
    private final OneOf drbdConnection = new OneOf("hadb.drbd.connection.state", "state",
            "DRBD replication link state: 1 for the current one.");
    private final Value outOfSync = gauge("hadb.drbd.out.of.sync", "bytes", "Bytes DRBD still has to resync.");
    private final OneOf mysqld = new OneOf("hadb.mysqld.health", "status", "mysqld health verdict: 1 for the current one.");
    private final Timer mysqldQuery = Timer.builder("hadb.mysqld.query.latency")
            .description("Latency of the health query against mysqld.").register(registry);
    private final Value probe = gauge("hadb.probe.healthy", null, "1 while the TCP probe port is open (healthy master).");
    private final Value probeGate = gauge("hadb.probe.gate.active", null,
            "1 while the kernel-side deadline on the TCP probe port is in force (eBPF filter loaded and attached).");
    private final Map<String, Value> peers = new ConcurrentHashMap<>();
    private final Timer leaseStop = Timer.builder("hadb.lease.stop.duration")
            .description("From losing the lease's renewal to probe closed and mysqld stopped.").register(registry);
    private final Counter leaseStopLate = Counter.builder("hadb.lease.stop.late")
            .description("Times a master that could not renew had not stopped serving before its lease ended.")
            .register(registry);

    public AgentMetrics() {
        for (String r : KNOWN_ROLES) role.add(r);
        for (DrbdRole r : DrbdRole.values()) drbdRole.add(r.text());
        for (DrbdDiskState d : DrbdDiskState.values()) drbdDisk.add(d.text());
        for (DrbdConnectionState c : DrbdConnectionState.values()) drbdConnection.add(c.text());
        for (HealthStatus h : HealthStatus.values()) mysqld.add(label(h));
        role.set("unknown");
        drbdRole.set(DrbdRole.UNKNOWN.text());
        drbdDisk.set(DrbdDiskState.UNKNOWN.text());
        drbdConnection.set(DrbdConnectionState.UNKNOWN.text());
        mysqld.set(label(HealthStatus.STOPPED));
        // every reason present at 0 from the start, so rate() works from the first drop
        for (DropReason r : DropReason.values()) dropCounter(r);
    }

    /** The registry, for meters the agent adds itself. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text (format 0.0.4) of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    public void role(String r) {
        role.set(r.toLowerCase(Locale.ROOT));
    }

    public void term(long t) {
        term.v = t;
    }

    public void quorum(boolean q) {
        quorum.v = q ? 1 : 0;
    }

    /** Whether {@code peer} answers on {@code link} (0-based link index, as configured). */
    public void peerUp(String peer, int link, boolean up) {
        peers.computeIfAbsent(peer + "\u0000" + link, k -> {
            Value v = new Value();
            Gauge.builder("hadb.peer.up", v, x -> x.v).description("1 while the peer answers on that link.")
                    .tags("peer", peer, "link", Integer.toString(link)).strongReference(true).register(registry);
            return v;
        }).v = up ? 1 : 0;
    }

    public void leaseRemaining(Duration d) {
        lease.v = Math.max(0, d.toNanos()) / 1e9;
    }

    public void drbd(DrbdRole r, DrbdDiskState disk, DrbdConnectionState connection, long outOfSyncBytes) {
        drbdRole.set(r.text());
        drbdDisk.set(disk.text());
        drbdConnection.set(connection.text());
        outOfSync.v = outOfSyncBytes;
    }

    public void mysqld(HealthStatus h) {
        mysqld.set(label(h));
    }

    public void mysqldQuery(Duration latency) {
        mysqldQuery.record(latency);
    }

    public void probeHealthy(boolean healthy) {
        probe.v = healthy ? 1 : 0;
    }

    /** Whether the probe gate is loaded and attached to the open probe socket (see ProbeGate). */
    public void probeGateActive(boolean active) {
        probeGate.v = active ? 1 : 0;
    }

    /** One role change, counted by why it happened ("lease_lost", "switchover", "mysqld_failed", ...). */
    public void transition(String reason) {
        Counter.builder("hadb.transitions").description("Role transitions by reason.").tag("reason", reason)
                .register(registry).increment();
    }

    /** How long one step of a promotion or demotion took ("drbd_primary", "mount", "mysqld_start", ...). */
    public void step(String step, Duration took) {
        Timer.builder("hadb.step.duration").description("Duration of each promotion and demotion step.")
                .tag("step", step).register(registry).record(took);
    }

    public void datagramDropped(DropReason reason) {
        dropCounter(reason).increment();
    }

    /**
     * A master that could not renew stopped serving (probe closed, mysqld stopped) after {@code took}; when
     * that was not before its lease ended, {@code hadb_lease_stop_late_total} counts it.
     */
    public void leaseStop(Duration took, boolean late) {
        leaseStop.record(took);
        if (late) leaseStopLate.increment();
    }

    private Counter dropCounter(DropReason r) {
        return Counter.builder("hadb.datagrams.dropped").description("Received datagrams dropped, by reason.")
                .tag("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    private static String label(HealthStatus h) {
        return h.name().toLowerCase(Locale.ROOT);
    }

    private Value gauge(String name, String unit, String help) {
        Value v = new Value();
        Gauge.builder(name, v, x -> x.v).baseUnit(unit).description(help).strongReference(true).register(registry);
        return v;
    }

    /** A gauge holder the registry reads at scrape time. */
    private static final class Value {
        volatile double v;
    }

    /** One gauge per value of a label, exactly one of them 1; values not seen before are added on first use. */
    private final class OneOf {
        private final String name;
        private final String tag;
        private final String help;
        private final Map<String, Value> values = new ConcurrentHashMap<>();
        private volatile String current;

        OneOf(String name, String tag, String help) {
            this.name = name;
            this.tag = tag;
            this.help = help;
        }

        void add(String value) {
            values.computeIfAbsent(value, k -> {
                Value v = new Value();
                Gauge.builder(name, v, x -> x.v).description(help).tag(tag, k).strongReference(true).register(registry);
                return v;
            });
        }

        synchronized void set(String value) {
            add(value);
            if (value.equals(current)) return;
            if (current != null) values.get(current).v = 0;
            values.get(value).v = 1;
            current = value;
        }
    }
}
