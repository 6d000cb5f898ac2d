package io.hadb.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.config.AgentConfig;
import io.hadb.agent.net.DropCounters;
import io.hadb.agent.net.UdpTransport;
import io.hadb.agent.state.StateStore;
import io.hadb.protocol.ClusterConfig;
import io.hadb.protocol.ClusterRecord;
import io.hadb.protocol.Decision;
import io.hadb.protocol.Input;
import io.hadb.protocol.Intent;
import io.hadb.protocol.Message;
import io.hadb.protocol.Node;
import io.hadb.protocol.NodeSpec;
import io.hadb.protocol.Outgoing;
import io.hadb.protocol.Output;
import io.hadb.protocol.PersistentState;
import io.hadb.protocol.wire.DecodeResult;
import io.hadb.protocol.wire.DropReason;
import io.hadb.protocol.wire.FrameDecoder;
import io.hadb.protocol.wire.FrameEncoder;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The protocol running for real: feeds the {@link Node} ticks, datagrams and operator intents on one event
 * loop, and carries out each {@link Output} in the order the protocol demands — persist (fsync), then send,
 * then act on and log the decisions. Everything here runs on {@link #loop}; other threads hand work over
 * with {@link EventLoop#submit}.
 */
public final class Agent {
    /**
     * How often time is fed to the protocol. Failure detection and lease expiry are noticed up to one tick
     * late; each tick costs a wakeup. A system property, so a benchmark can weigh the two.
     */
    static final long TICK_MS = Long.getLong("hadb.tick_ms", 10);
    /** How long after any decision the agent keeps ticking every {@link #TICK_MS}. */
    static final long BUSY_NANOS = 3_000_000_000L;
    private static final long MS = 1_000_000L;

    private static final Logger MEMBERSHIP = Logger.getLogger("hadb.membership");
    private static final Logger QUORUM = Logger.getLogger("hadb.quorum");
    private static final Logger ELECTION = Logger.getLogger("hadb.election");
    private static final Logger LEASE = Logger.getLogger("hadb.lease");
    private static final Logger RECORD = Logger.getLogger("hadb.record");
    private static final Logger FENCING = Logger.getLogger("hadb.fencing");
    private static final Logger INTENT = Logger.getLogger("hadb.intent");
    private static final Logger TRANSPORT = Logger.getLogger("hadb.transport");
    private static final Logger AGENT = Logger.getLogger("hadb.agent");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An operator intent's answer, as the control socket reports it. */
    public record IntentAnswer(boolean accepted, String message) {}

    private final AgentConfig config;
    private final ClusterConfig cluster;
    private final EventLoop loop;
    private final StateStore store;
    private final FrameEncoder encoder;
    private final FrameDecoder decoder;
    private final DropCounters counters = new DropCounters();
    private final Map<Long, CompletableFuture<IntentAnswer>> pendingIntents = new HashMap<>();
    private final Runnable onFatal;
    private Node node;
    private UdpTransport transport;
    private long nextRequestId = 1;
    private boolean stopped;

    // when to tick next (see schedule)
    private io.netty.util.concurrent.ScheduledFuture<?> tickTask;
    private long tickAt;
    private long busyUntil;

    /**
     * @param onFatal called when the agent cannot go on safely (the state cannot be persisted): the process
     *                must exit rather than send what it could not write down
     */
    public Agent(AgentConfig config, EventLoop loop, StateStore store, byte[] key, long incarnation, Runnable onFatal) {
        this.config = config;
        this.cluster = config.cluster();
        this.loop = loop;
        this.store = store;
        this.onFatal = onFatal;
        this.encoder = new FrameEncoder(cluster.clusterId(), config.self(), incarnation, key);
        this.decoder = new FrameDecoder(cluster.clusterId(), config.self(),
                cluster.nodes().stream().map(NodeSpec::id).collect(Collectors.toSet()), key);
    }

    private io.hadb.agent.role.ResourceManager resources;
    private io.hadb.agent.probe.ProbeResponder probe;
    private final io.hadb.agent.metrics.AgentMetrics metrics = new io.hadb.agent.metrics.AgentMetrics();
    private final java.util.concurrent.atomic.AtomicReference<io.hadb.agent.probe.NodeState> probeState =
            new java.util.concurrent.atomic.AtomicReference<>();
    private long lastStateUpdate;
    private boolean serving;
    private boolean maintenance;
    private long gateUntil = Long.MIN_VALUE; // the deadline last given to the probe gate

    /** Runs this node's resources (DRBD, filesystem, mysqld, probe) as the lease says; call before start. */
    public void manage(io.hadb.agent.config.ResourceConfig rc) {
        int peer = cluster.nodes().stream().filter(n -> n.isData() && n.id() != config.self()).mapToInt(NodeSpec::id)
                .findFirst().orElse(0);
        try {
            probe = io.hadb.agent.probe.ProbeResponder.start(rc.probeTcp(), rc.probeHttp(), probeState::get, metrics::scrape);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the probe", e);
        }
        io.hadb.agent.probe.ProbeResponder responder = probe;
        // a frozen master's kernel must stop answering probes when its time is up; without BPF, go on without
        var gate = io.hadb.agent.probe.ProbeGate.open();
        gate.ifPresent(responder::useGate);
        metrics.probeGateActive(gate.isPresent());
        io.hadb.agent.role.ProbeSwitch probeSwitch = new io.hadb.agent.role.ProbeSwitch() {
            @Override
            public void setHealthy(boolean healthy) throws IOException {
                try {
                    var t = responder.setHealthy(healthy).get(5, TimeUnit.SECONDS);
                    metrics.probeHealthy(healthy);
                    metrics.probeGateActive(responder.gateActive()); // an attach that failed shows here
                    metrics.step(healthy ? "open_probe" : "close_probe", t.took());
                } catch (Exception e) {
                    throw new IOException("probe " + (healthy ? "open" : "close") + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public boolean healthy() {
                return responder.isHealthy();
            }

            @Override
            public void close() {
                responder.close();
            }
        };
        resources = new io.hadb.agent.role.ResourceManager(rc, new io.hadb.agent.exec.CommandRunner(),
                probeSwitch, new io.hadb.agent.role.ResourceManager.Events() {
                    @Override
                    public void released() {
                        loop.execute(() -> step(new Input.ResourcesReleased(System.nanoTime())));
                    }

                    @Override
                    public void failed(String reason, boolean beforeServing) {
                        loop.execute(() -> step(new Input.ResourcesFailed(System.nanoTime(), reason, beforeServing)));
                    }

                    @Override
                    public void peerInSync(boolean inSync) {
                        if (peer != 0) loop.execute(() -> step(new Input.PeerReplication(System.nanoTime(), peer, inSync)));
                    }
                });
        resources.onStopMeasured(metrics::leaseStop);
    }

    private void updateGoal(boolean release) {
        if (resources == null) return;
        long now = System.nanoTime();
        long leaseEnd = node.leaseValid(now) ? now + node.leaseRemainingMs(now) * MS : now;
        io.hadb.agent.role.Goal g = maintenance ? io.hadb.agent.role.Goal.HOLD
                : serving ? io.hadb.agent.role.Goal.SERVE : io.hadb.agent.role.Goal.RELEASE;
        resources.forcedPromotion(node.forcedMaster());
        resources.setGoal(g, leaseEnd, release);
        // maintenance freezes resources, never the probe's honesty: only the lease holder answers healthy
        if (maintenance && !serving) resources.closeProbe();
    }

    /** Binds the sockets and starts ticking; call from any thread. */
    public void start(PersistentState persisted) throws Exception {
        loop.submit(() -> {
            node = new Node(cluster, config.self(), persisted, System.nanoTime(), new SecureRandom().nextLong());
            return null;
        }).sync();
        transport = UdpTransport.bind(loop, config.localAddresses(), this::received);
        if (resources != null) resources.start();
        loop.execute(() -> {
            busyUntil = System.nanoTime() + BUSY_NANOS;
            tick();
        });
    }

    public void stop() {
        loop.submit(() -> {
            stopped = true;
            return null;
        }).syncUninterruptibly();
        if (transport != null) transport.close();
        if (resources != null) resources.close();
        if (probe != null) probe.close();
    }

    // ------------------------------------------------------------ inputs (event loop)

    private void tick() {
        tickTask = null;
        step(new Input.Tick(System.nanoTime()));
    }

    /**
     * Schedules the next tick. While anything happens (a decision in the last {@link #BUSY_NANOS}) time is fed
     * every {@link #TICK_MS}; when all is quiet the agent sleeps until the protocol's next deadline (a heartbeat
     * due, a link timing out, the lease's stop time, a vote promise running out...), so an idle agent wakes
     * about as often as it sends heartbeats, and every timer is hit on time.
     */
    private void schedule(long now) {
        long next;
        if (now < busyUntil) {
            next = now + TICK_MS * MS;
        } else {
            // the protocol knows every timer it has: sleep exactly until the next one (at most a second)
            next = Math.min(node.nextDeadline(now), now + 1_000 * MS);
            next = Math.max(next, now + MS);
        }
        if (tickTask != null && next >= tickAt - MS) return;
        if (tickTask != null) tickTask.cancel(false);
        tickAt = next;
        tickTask = loop.schedule(this::tick, next - now, TimeUnit.NANOSECONDS);
    }

    private void received(int link, InetSocketAddress sender, byte[] data) {
        long now = System.nanoTime();
        DecodeResult r = decoder.decode(data);
        if (r instanceof DecodeResult.Ok ok) {
            counters.accepted();
            step(new Input.Received(now, ok.from(), link, ok.message()));
        } else if (r instanceof DecodeResult.Dropped d) {
            long n = counters.dropped(d.reason(), now);
            metrics.datagramDropped(d.reason());
            if (n > 0) {
                // noise from strangers is INFO; what looks like a peer with a wrong key or an attack is WARNING
                Level level = d.reason() == DropReason.BAD_MAGIC || d.reason() == DropReason.TRUNCATED
                        || d.reason() == DropReason.OVERSIZED ? Level.INFO : Level.WARNING;
                TRANSPORT.log(level, "dropped " + n + " datagram(s) " + d.reason() + " on link " + link + ", latest from "
                        + sender.getAddress().getHostAddress() + ":" + sender.getPort() + " (" + d.detail()
                        + "); next report of this reason in 10 s at the earliest");
            }
        }
    }

    /**
     * DRBD's fence-peer handler asks whether this node may go on writing without {@code peerName}. The answer
     * follows DRBD's exit-code contract: 4 once the cluster record says the peer is Outdated (committed
     * through a majority, nothing in flight that would clear it) and this node holds the lease — the peer's
     * lease has then necessarily ended; 3 when DRBD reports the peer's disk Inconsistent; 1 otherwise, which
     * keeps DRBD's I/O frozen. Never 5 or 6 just because the peer is unreachable. Answers within {@code wait}.
     */
    public CompletableFuture<Integer> fencePeer(String peerName, java.time.Duration wait) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        loop.execute(() -> {
            NodeSpec peer = cluster.byName(peerName).orElse(null);
            if (peer == null || !peer.isData() || peer.id() == config.self()) {
                FENCING.warning("fence-peer for unknown peer '" + peerName + "': answering 1 (I/O stays frozen)");
                f.complete(1);
                return;
            }
            // DRBD lost the peer: tell the protocol now rather than when events2 catches up
            step(new Input.PeerReplication(System.nanoTime(), peer.id(), false));
            long deadline = System.nanoTime() + wait.toNanos();
            pollFence(peer, deadline, f);
        });
        return f;
    }

    private void pollFence(NodeSpec peer, long deadline, CompletableFuture<Integer> f) {
        long now = System.nanoTime();
        if (resources != null && resources.drbdState().peerDisk() == io.hadb.agent.drbd.DrbdDiskState.INCONSISTENT) {
            FENCING.info("fence-peer " + peer.name() + ": peer disk Inconsistent, answering 3");
            f.complete(3);
        } else if (node.isLeader() && node.leaseValid(now) && node.peerConfirmedOutdated(peer.id())) {
            FENCING.info("fence-peer " + peer.name() + ": Outdated since term "
                    + node.committedRecord().dataState(peer.id()).outdatedSinceTerm()
                    + " through a majority and this node holds the lease: answering 4 (I/O resumes)");
            f.complete(4);
        } else if (now >= deadline) {
            FENCING.warning("fence-peer " + peer.name() + ": could not confirm it Outdated through a majority ("
                    + (node.isLeader() ? "record not committed" : "this node is not master") + "): answering 1, I/O stays frozen");
            f.complete(1);
        } else {
            loop.schedule(() -> pollFence(peer, deadline, f), 20, TimeUnit.MILLISECONDS);
        }
    }

    /** Hands an operator intent to the protocol; the future completes with the protocol's answer. */
    public CompletableFuture<IntentAnswer> intent(Intent intent) {
        CompletableFuture<IntentAnswer> f = new CompletableFuture<>();
        loop.execute(() -> {
            long id = nextRequestId++;
            pendingIntents.put(id, f);
            INTENT.info("operator asks: " + describe(intent));
            step(new Input.OperatorIntent(System.nanoTime(), id, intent));
        });
        return f;
    }

    /**
     * {@code agentctl promote [--force]} at this node: refused at once with the protocol's sentence, or, with the
     * force, a window of {@code window} in which this Outdated node stands for election. The future completes
     * with the refusal, the win, or the end of the window.
     */
    public CompletableFuture<IntentAnswer> promote(boolean force, java.time.Duration window) {
        CompletableFuture<IntentAnswer> f = new CompletableFuture<>();
        loop.execute(() -> {
            long id = nextRequestId++;
            pendingIntents.put(id, f);
            INTENT.info("operator asks: promote" + (force ? " --force (window " + window.toMillis() + " ms)" : ""));
            step(new Input.Promote(System.nanoTime(), id, force, window.toMillis()));
        });
        return f;
    }

    // ------------------------------------------------------------ outputs (event loop)

    private void step(Input in) {
        if (stopped || node == null) return;
        Output out = node.step(in);
        gateProbe();
        if (out.persist() != null) {
            try {
                store.save(out.persist());
            } catch (IOException e) {
                AGENT.log(Level.SEVERE, "cannot persist state to " + store.file() + " (" + e.getMessage() + "): stopping, "
                        + "since sending a vote or record that is not on disk could break the one-master guarantee");
                stopped = true;
                onFatal.run();
                return;
            }
        }
        for (Outgoing o : out.messages()) {
            List<InetSocketAddress> peer = config.addresses().get(o.to());
            if (peer == null || o.link() >= peer.size()) continue;
            transport.send(o.link(), peer.get(o.link()), encoder.encode(o.link(), o.message()));
        }
        if (!out.decisions().isEmpty()) busyUntil = in.now() + BUSY_NANOS;
        for (Decision d : out.decisions()) act(d);
        if (resources != null && (!out.decisions().isEmpty() || in.now() - lastStateUpdate > 1_000 * MS)) publishState(in.now());
        schedule(in.now());
    }

    /**
     * While this node serves, the kernel lets the probe answer until the moment the protocol stops serving
     * unless a renewal comes first (the lease's end less the stop margin): a master frozen past it stays
     * silent on thaw even before this loop runs again. Set before the resources act on a decision, so the
     * probe never opens behind an old deadline; when the probe closes normally the responder zeroes it.
     */
    private void gateProbe() {
        if (probe == null || !node.serving()) return;
        long until = node.servingUntil();
        if (until == gateUntil) return;
        gateUntil = until;
        probe.allowUntil(until);
    }

    private void act(Decision d) {
        if (d instanceof Decision.LinkChanged c) {
            MEMBERSHIP.info(name(c.peer()) + " link " + c.link() + (c.up() ? " up: " : " down: ") + c.reason());
        } else if (d instanceof Decision.PeerChanged c) {
            MEMBERSHIP.log(c.up() ? Level.INFO : Level.WARNING, name(c.peer()) + (c.up() ? " up: " : " down: ") + c.reason());
        } else if (d instanceof Decision.QuorumChanged c) {
            QUORUM.log(c.quorate() ? Level.INFO : Level.WARNING, (c.quorate() ? "quorate: " : "quorum lost: ")
                    + c.votes() + " of " + cluster.totalVotes() + " votes reachable, " + c.needed() + " needed");
        } else if (d instanceof Decision.ElectionStarted c) {
            ELECTION.info("standing for election in term " + c.term() + ": " + c.reason());
        } else if (d instanceof Decision.Voted c) {
            if (c.forced())
                ELECTION.warning("voted for " + name(c.candidate()) + " in term " + c.term() + " although the record says it "
                        + "is Outdated: the operator forced its promotion");
            else
                ELECTION.info("voted for " + name(c.candidate()) + " in term " + c.term());
        } else if (d instanceof Decision.ForceStarted c) {
            ELECTION.warning(c.reason());
        } else if (d instanceof Decision.ForceEnded c) {
            if (c.won()) {
                ELECTION.warning("forced promotion won in term " + c.term() + ": " + c.reason());
            } else {
                ELECTION.warning("forced promotion ended without a win: " + c.reason());
            }
            CompletableFuture<IntentAnswer> f = pendingIntents.remove(c.requestId());
            if (f != null) f.complete(new IntentAnswer(c.won(), c.won() ? "won in term " + c.term() + ": " + c.reason() : c.reason()));
        } else if (d instanceof Decision.LeaderChanged c) {
            ELECTION.info(c.leader() == 0 ? "no master known in term " + c.term() + ": " + c.reason()
                    : (c.leader() == config.self() ? "this node is master" : "master is " + name(c.leader()))
                    + " in term " + c.term() + ": " + c.reason());
        } else if (d instanceof Decision.ServeChanged c) {
            LEASE.log(c.serving() ? Level.INFO : Level.WARNING,
                    (c.serving() ? "serving in term " : "stopped serving in term ") + c.term() + ": " + c.reason());
            serving = c.serving();
            metrics.transition(c.serving() ? "serve" : "stop_serving");
            updateGoal(false);
        } else if (d instanceof Decision.Release c) {
            if (resources == null) {
                INTENT.info("releasing for " + name(c.target()) + ": " + c.reason() + " (no resources here: released at once)");
                loop.execute(() -> step(new Input.ResourcesReleased(System.nanoTime())));
            } else {
                INTENT.info("releasing resources for " + name(c.target()) + ": " + c.reason());
                serving = false;
                updateGoal(true);
            }
        } else if (d instanceof Decision.RecordCommitted c) {
            RECORD.info("committed " + describe(c.record()));
            if (c.record().maintenance() != maintenance) {
                maintenance = c.record().maintenance();
                updateGoal(false);
            }
        } else if (d instanceof Decision.FencePeer c) {
            if (cluster.fencing()) {
                FENCING.warning("fence " + name(c.peer()) + " requested: " + c.reason()
                        + "; no fencing agent is implemented yet: reporting failure, will retry");
                loop.execute(() -> step(new Input.FenceOutcome(System.nanoTime(), c.peer(), false)));
            } else {
                FENCING.warning("peer " + name(c.peer()) + " treated as fenced: " + c.reason());
            }
        } else if (d instanceof Decision.IntentResult c) {
            INTENT.info("request " + c.requestId() + (c.accepted() ? " accepted: " : " refused: ") + c.message());
            CompletableFuture<IntentAnswer> f = pendingIntents.remove(c.requestId());
            if (f != null) f.complete(new IntentAnswer(c.accepted(), c.message()));
        }
    }

    /** The snapshot the probe's HTTP endpoints and the metrics read; rebuilt on the loop, read anywhere. */
    private void publishState(long now) {
        lastStateUpdate = now;
        var d = resources.drbdState();
        String role = node.isLeader() ? "master" : config.me().isData() ? "replica" : "witness";
        probeState.set(new io.hadb.agent.probe.NodeState(name(config.self()), role, node.term(),
                node.leader() == 0 ? "" : name(node.leader()), node.quorate(),
                java.time.Duration.ofMillis(node.leaseRemainingMs(now)), d.role(), d.disk(), d.connection(),
                d.outOfSyncKiB() * 1024, resources.mysqlStatus(), java.time.Instant.now()));
        metrics.role(role);
        metrics.term(node.term());
        metrics.quorum(node.quorate());
        metrics.leaseRemaining(java.time.Duration.ofMillis(node.leaseRemainingMs(now)));
        for (NodeSpec n : cluster.nodes()) {
            if (n.id() == config.self()) continue;
            for (int l = 0; l < n.links(); l++) metrics.peerUp(n.name(), l, node.linkUp(n.id(), l));
        }
        metrics.drbd(d.role(), d.disk(), d.connection(), d.outOfSyncKiB() * 1024);
        metrics.mysqld(resources.mysqlStatus());
    }

    // ------------------------------------------------------------ status (event loop)

    /** This agent's view as one JSON line; call on the event loop (see {@link #statusAsync}). */
    String status() {
        long now = System.nanoTime();
        ObjectNode s = JSON.createObjectNode();
        s.put("node", name(config.self()));
        s.put("id", config.self());
        if (node == null) {
            s.put("starting", true);
            return s.toString();
        }
        s.put("term", node.term());
        s.put("role", node.isLeader() ? "master" : config.me().isData() ? "follower" : "witness");
        s.put("leader", node.leader() == 0 ? null : name(node.leader()));
        s.put("serving", node.serving());
        s.put("forcedMaster", node.forcedMaster());
        s.put("forcePending", node.forcePending());
        s.put("whyNotCandidate", node.whyNotCandidate(now));
        boolean valid = node.leaseValid(now);
        long remaining = node.leaseRemainingMs(now);
        s.put("leaseValid", valid);
        s.put("leaseRemainingMs", remaining);
        // System.nanoTime is CLOCK_MONOTONIC, shared by every process on a host: tests compare these
        s.put("monoNanos", now);
        s.put("leaseUntilNanos", valid ? now + remaining * 1_000_000L : 0);
        s.put("quorate", node.quorate());
        ArrayNode up = s.putArray("peersUp");
        ArrayNode down = s.putArray("peersDown");
        for (NodeSpec n : cluster.nodes()) {
            if (n.id() == config.self()) continue;
            (node.peerUp(n.id()) ? up : down).add(n.name());
        }
        ClusterRecord r = node.committedRecord();
        ObjectNode rec = s.putObject("record");
        rec.put("version", r.version().toString());
        rec.put("master", r.master() == 0 ? null : name(r.master()));
        ArrayNode sb = rec.putArray("standby");
        r.standby().forEach(i -> sb.add(name(i)));
        rec.put("maintenance", r.maintenance());
        rec.put("reason", r.lastReason());
        ObjectNode out = rec.putObject("outdated");
        r.dataStates().forEach((k, v) -> {
            if (!v.upToDate()) out.put(name(k), v.outdatedSinceTerm());
        });
        if (resources != null) {
            ObjectNode res = s.putObject("resources");
            res.put("goal", resources.goal().name().toLowerCase());
            res.put("drbd", resources.drbdState().summary());
            res.put("mysql", resources.mysqlStatus().name().toLowerCase());
            res.put("probe", resources.probeHealthy() ? "healthy" : "down");
        }
        s.put("datagramsAccepted", counters.acceptedCount());
        ObjectNode drops = s.putObject("dropped");
        counters.snapshot().forEach((k, v) -> drops.put(k.name(), v));
        s.put("pid", ProcessHandle.current().pid());
        return s.toString();
    }

    public CompletableFuture<String> statusAsync() {
        CompletableFuture<String> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(status());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    public ClusterConfig cluster() {
        return cluster;
    }

    /**
     * Every configured node as this agent sees it, as a JSON array for the control socket's status: name, id,
     * kind (data or witness), votes, reachable, and each link's state (this node itself: all true).
     */
    public CompletableFuture<String> nodesAsync() {
        CompletableFuture<String> f = new CompletableFuture<>();
        loop.execute(() -> {
            ArrayNode a = JSON.createArrayNode();
            for (NodeSpec n : cluster.nodes()) {
                ObjectNode o = a.addObject();
                o.put("name", n.name());
                o.put("id", n.id());
                o.put("kind", n.isData() ? "data" : "witness");
                o.put("votes", n.votes());
                boolean self = n.id() == config.self();
                o.put("self", self);
                o.put("up", self || (node != null && node.peerUp(n.id())));
                ArrayNode links = o.putArray("links");
                for (int l = 0; l < n.links(); l++) links.add(self || (node != null && node.linkUp(n.id(), l)));
            }
            f.complete(a.toString());
        });
        return f;
    }

    // ------------------------------------------------------------ text

    private String name(int id) {
        return cluster.name(id);
    }

    private String describe(Intent i) {
        if (i instanceof Intent.Standby s) return "standby " + name(s.node());
        if (i instanceof Intent.Unstandby u) return "unstandby " + name(u.node());
        if (i instanceof Intent.Switchover s) return "switchover" + (s.target() == 0 ? "" : " to " + name(s.target()));
        if (i instanceof Intent.Maintenance m) return "maintenance " + (m.on() ? "on" : "off");
        return i.toString();
    }

    private String describe(ClusterRecord r) {
        String outdated = r.dataStates().entrySet().stream().filter(e -> !e.getValue().upToDate())
                .map(e -> name(e.getKey()) + " since term " + e.getValue().outdatedSinceTerm())
                .collect(Collectors.joining(", "));
        return r.version() + ": master " + (r.master() == 0 ? "none" : name(r.master()))
                + ", standby [" + r.standby().stream().map(this::name).collect(Collectors.joining(", ")) + "]"
                + ", maintenance " + (r.maintenance() ? "on" : "off")
                + ", outdated [" + outdated + "]"
                + (r.lastReason().isEmpty() ? "" : " (" + r.lastReason() + ")");
    }
}
