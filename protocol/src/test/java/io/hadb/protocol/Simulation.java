package io.hadb.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * A whole cluster in one thread on a simulated network and clock. Every fault is drawn from one seed, so a
 * seed replays one whole history: loss, duplication, reordering, delay, symmetric and one-way partitions,
 * link cuts, crashes and restarts (losing all that was not persisted), pauses longer than the lease, clock
 * rate drift within the configured bound, fencing and operator intents at random moments. After every step
 * the {@link SafetyChecker} looks for a violation; once the faults stop, a master must serve within a bound.
 *
 * <p>The resources are modelled just enough to check S2: every data node's copy is its last write in a
 * {@link WriteTree}; the serving master writes only while every peer is in sync or committed as Outdated (as
 * DRBD's fence-peer handler holds I/O), replication is synchronous while connected, and a reconnected peer
 * resyncs. The operator also forces the promotion of Outdated nodes at random (mostly right after a master
 * crashed): such a master gives up the writes it lacks, its copy diverges from the old master's (a split brain
 * that the operator resolves by discarding the old master's copy), and the checker accepts exactly those
 * lost writes and no other.
 */
public final class Simulation {
    static final long MS = 1_000_000L;
    private static final long TICK = 25 * MS;

    /** How one simulated history ended. */
    public record Result(SimTopology topology, long seed, String violation, long events, Stats stats, List<String> trace) {
        public boolean passed() {
            return violation == null;
        }
    }

    /** What happened in a history, for reports. */
    public static final class Stats {
        public int elections;
        public int crashes;
        public int pauses;
        public int partitions;
        public int fences;
        public int intents;
        public int intentsAccepted;
        public int switchovers;
        public long writes;
        public int forces;
        public int forcesWon;
        public long writesGivenUp;
    }

    // ------------------------------------------------------------------ configuration of one history

    private final SimTopology topology;
    private final long seed;
    private final Set<Node.Flaw> flaws;
    private final boolean tracing;
    private final Random rnd;
    /** The operator's forced promotions draw from their own stream, so histories without them stay as they were. */
    private final Random opRnd;
    private final ClusterConfig config;
    private final long faultsEnd;
    private final long end;

    // ------------------------------------------------------------------ world

    private final PriorityQueue<Ev> queue = new PriorityQueue<>();
    private long order;
    private long now;
    private long events;
    private final Map<Integer, SimNode> nodes = new HashMap<>();
    private final List<Integer> ids = new ArrayList<>();
    private final Map<Long, int[]> blocked = new HashMap<>(); // key from*65536+to (+link*2^32) -> count
    private double loss;
    private double duplication;
    private long maxDelay = 2 * MS;
    private int faultEpoch;
    private long latestWrite;
    private final WriteTree tree = new WriteTree();
    private final Map<Long, Long> splitSince = new HashMap<>();
    private final Map<Long, Long> resyncSince = new HashMap<>();
    private final SafetyChecker checker;
    private final Stats stats = new Stats();
    private final List<String> trace = new ArrayList<>();
    private long requestIds;
    private String violation;
    /** Tick every 25 ms as well (half the seeds), as the agent does while busy. */
    private final boolean tickEvery;

    public Simulation(SimTopology topology, long seed) {
        this(topology, seed, EnumSet.noneOf(Node.Flaw.class), false);
    }

    Simulation(SimTopology topology, long seed, Set<Node.Flaw> flaws, boolean tracing) {
        this.topology = topology;
        this.seed = seed;
        this.flaws = flaws;
        this.tracing = tracing;
        this.rnd = new Random(seed);
        this.opRnd = new Random(seed * 0x9E3779B97F4A7C15L + 17);
        boolean twoLinks = rnd.nextBoolean();
        this.tickEvery = rnd.nextBoolean();
        this.config = topology.config(Timings.defaults(), twoLinks);
        this.faultsEnd = (8_000 + rnd.nextInt(4_000)) * MS;
        this.end = faultsEnd + 10_000 * MS;
        this.checker = new SafetyChecker(config);
        for (NodeSpec n : config.nodes()) {
            SimNode s = new SimNode(n.id());
            s.rate = 1 + (rnd.nextDouble() * 2 - 1) * config.timings().maxClockDrift();
            s.localBase = rnd.nextInt(1_000_000) * MS; // clocks start anywhere
            nodes.put(n.id(), s);
            ids.add(n.id());
        }
    }

    public static Result run(SimTopology topology, long seed) {
        return new Simulation(topology, seed).run();
    }

    // ------------------------------------------------------------------ events

    private static final int START = 0, TICK_EV = 1, DELIVER = 2, WORLD = 3, FAULT = 4, RESTART = 5, HEAL = 6,
            FENCE_DONE = 7, RELEASED = 8, FAULTS_END = 9, CALM = 10, FORCE = 11, DIES = 12, OPERATOR = 13;

    private record Ev(long at, long order, int kind, int node, long token, Object payload) implements Comparable<Ev> {
        @Override
        public int compareTo(Ev o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private record Delivery(int from, int link, Message message) {}

    private void schedule(long at, int kind, int node, long token, Object payload) {
        queue.add(new Ev(at, order++, kind, node, token, payload));
    }

    public Result run() {
        for (int id : ids) schedule(rnd.nextInt(400) * MS, START, id, 0, null);
        schedule(500 * MS, FAULT, 0, 0, null);
        schedule((500 + opRnd.nextInt(3000)) * MS, OPERATOR, 0, 0, null);
        schedule(TICK, WORLD, 0, 0, null);
        schedule(faultsEnd, FAULTS_END, 0, 0, null);
        while (!queue.isEmpty() && violation == null) {
            Ev e = queue.poll();
            if (e.at > end) break;
            now = e.at;
            events++;
            handle(e);
        }
        if (violation == null) checkLiveness();
        return new Result(topology, seed, violation, events, stats, trace);
    }

    private void handle(Ev e) {
        SimNode n = e.node == 0 ? null : nodes.get(e.node);
        switch (e.kind) {
            case START, RESTART -> start(n, e.token);
            case TICK_EV -> {
                if (n.node == null || e.token != n.incarnation) return;
                if (n.paused()) {
                    schedule(n.pausedUntil, TICK_EV, n.id, n.incarnation, null);
                    return;
                }
                step(n, new Input.Tick(n.local(now)));
                scheduleTick(n);
            }
            case DELIVER -> {
                if (n.node == null) return;
                if (e.token != 0 && e.token != n.incarnation) return; // buffered in a process that died
                if (n.paused()) { // the socket buffer keeps it until the process runs again
                    schedule(n.pausedUntil + 1, DELIVER, n.id, n.incarnation, e.payload);
                    return;
                }
                Delivery d = (Delivery) e.payload;
                step(n, new Input.Received(n.local(now), d.from, d.link, d.message));
            }
            case WORLD -> {
                world();
                schedule(now + TICK, WORLD, 0, 0, null);
            }
            case FAULT -> {
                if (now < faultsEnd) {
                    fault();
                    schedule(now + (long) (-Math.log(1 - rnd.nextDouble()) * 700) * MS + MS, FAULT, 0, 0, null);
                }
            }
            case HEAL -> {
                if (e.token != faultEpoch) return;
                int[] cell = blocked.get((Long) e.payload);
                if (cell != null && cell[0] > 0) cell[0]--;
            }
            case FENCE_DONE -> fenceDone(n, e.token, (int[]) e.payload);
            case FORCE -> {
                if (now < faultsEnd) forcePromotion(n);
            }
            case DIES -> {
                if (now < faultsEnd) crash(n, (100 + opRnd.nextInt(2900)) * MS, "dies after losing replication");
            }
            case OPERATOR -> {
                if (now < faultsEnd) {
                    forceScenario();
                    schedule(now + (long) (-Math.log(1 - opRnd.nextDouble()) * 2500) * MS + MS, OPERATOR, 0, 0, null);
                }
            }
            case RELEASED -> {
                if (n.node == null || e.token != n.incarnation) return;
                if (n.paused()) {
                    schedule(n.pausedUntil + 1, RELEASED, n.id, n.incarnation, null);
                    return;
                }
                n.serving = false;
                step(n, new Input.ResourcesReleased(n.local(now)));
            }
            case FAULTS_END -> {
                faultEpoch++;
                blocked.clear();
                loss = 0;
                duplication = 0;
                maxDelay = 2 * MS;
                log("faults end: network healed; crashed and paused nodes come back on their own");
                schedule(now, CALM, 0, 0, null);
            }
            case CALM -> {
                // the operator undoes what the random intents left: nobody in standby, no maintenance
                calmIntents();
                if (now < end) schedule(now + 1000 * MS, CALM, 0, 0, null);
            }
            default -> throw new IllegalStateException("event " + e.kind);
        }
    }

    // ------------------------------------------------------------------ nodes

    private void start(SimNode n, long token) {
        if (n.node != null) return;
        if (token != n.downToken) return; // a newer crash superseded this restart
        n.incarnation++;
        n.lastReported.clear();
        n.serving = false;
        long nodeSeed = seed * 31 + n.id * 1_000_003L + n.incarnation;
        n.node = new Node(config, n.id, n.disk, n.local(now), nodeSeed, flaws);
        log(config.name(n.id) + " starts (term " + n.disk.term() + ", record " + n.disk.record().version() + ")");
        step(n, new Input.Tick(n.local(now)));
        scheduleTick(n);
    }

    private void scheduleTick(SimNode n) {
        // as the agent does when idle: sleep until the protocol's own next deadline (at most a second), so
        // the histories also check that nextDeadline() names every timer that matters
        long local = n.local(now);
        long wait = Math.min(n.node.nextDeadline(local) - local, 1000 * MS);
        if (tickEvery) wait = Math.min(wait, TICK);
        schedule(now + Math.max(1, (long) Math.ceil(wait / n.rate)), TICK_EV, n.id, n.incarnation, null);
    }

    private void crash(SimNode n, long downFor, String why) {
        if (n.node == null) return;
        if (n.node.isLeader() && (why.startsWith("dies") || opRnd.nextBoolean())) {
            // the master is gone: half the time the operator takes it for gone for good and forces the
            // promotion of a node that is Outdated, after a while
            for (int id : ids) {
                SimNode o = nodes.get(id);
                if (o != n && o.node != null && config.node(id).isData() && o.node.record().isOutdated(id)) {
                    schedule(now + (200 + opRnd.nextInt(2800)) * MS, FORCE, id, 0, null);
                    break;
                }
            }
        }
        n.node = null;
        n.serving = false;
        n.pausedUntil = 0;
        n.downToken++;
        stats.crashes++;
        log(config.name(n.id) + " crashes (" + why + "), back in " + downFor / MS + " ms");
        schedule(now + downFor, RESTART, n.id, n.downToken, null);
    }

    private void step(SimNode n, Input in) {
        Output out = n.node.step(in);
        if (out.persist() != null) {
            String v = checker.persisted(n.id, n.disk, out.persist());
            if (v != null) fail(v);
            n.disk = out.persist();
        }
        for (Outgoing o : out.messages()) send(n.id, o);
        for (Decision d : out.decisions()) decision(n, d);
        if (n.serving && !n.node.leaseValid(n.local(now)))
            fail(config.name(n.id) + " serves without a valid lease");
        // the agent hands servingUntil to the kernel's probe gate: ahead while serving, within the lease
        long until = n.node.servingUntil();
        if (n.node.serving() ? until <= n.local(now) || !n.node.leaseValid(until - 1) : until != Long.MIN_VALUE)
            fail(config.name(n.id) + " servingUntil " + until + " does not match serving=" + n.node.serving()
                    + " at " + n.local(now));
        String v = checker.leases(nodes.values(), now);
        if (v != null) fail(v);
    }

    private void decision(SimNode n, Decision d) {
        if (tracing) log(config.name(n.id) + ": " + d);
        if (d instanceof Decision.ServeChanged sc) {
            n.serving = sc.serving();
            if (sc.serving()) {
                String v = checker.startsServing(n.id, n.data, latestWrite, tree);
                if (v != null) {
                    fail(v);
                } else if (n.data != latestWrite) {
                    // writes given up by a forced promotion: promoting with the peer gone starts a new
                    // data generation (DRBD's new UUID), so the old master's copy has diverged from here on
                    stats.writesGivenUp += tree.missing(latestWrite, n.data).size();
                    n.data = tree.write(n.data, n.id, n.node.term());
                    latestWrite = n.data;
                    log(config.name(n.id) + " serves without writes a forced promotion gave up: acknowledged line now ends at "
                            + latestWrite);
                }
            }
        } else if (d instanceof Decision.ElectionStarted) {
            stats.elections++;
        } else if (d instanceof Decision.LeaderChanged lc && lc.leader() == n.id && n.node.isLeader()) {
            // the new master's first record is its base plus one change
            RecordVersion v = n.node.record().version();
            String bad = checker.elected(n.id, lc.term(), new RecordVersion(v.term(), v.index() - 1));
            if (bad != null) fail(bad);
        } else if (d instanceof Decision.RecordCommitted rc) {
            String v = checker.committed(n.id, rc.record());
            if (v != null) fail(v);
        } else if (d instanceof Decision.FencePeer fp) {
            stats.fences++;
            if (!config.unsafeNoFencing()) {
                boolean works = rnd.nextInt(10) != 0;
                schedule(now + (100 + rnd.nextInt(2000)) * MS, FENCE_DONE, n.id, n.incarnation,
                        new int[] {fp.peer(), works ? 1 : 0});
            }
        } else if (d instanceof Decision.Release) {
            stats.switchovers++;
            schedule(now + (5 + rnd.nextInt(600)) * MS, RELEASED, n.id, n.incarnation, null);
        } else if (d instanceof Decision.IntentResult ir && ir.accepted()) {
            stats.intentsAccepted++;
        } else if (d instanceof Decision.ForceStarted) {
            stats.forces++;
        } else if (d instanceof Decision.ForceEnded fe) {
            if (!tracing) log(config.name(n.id) + ": " + fe);
            if (fe.won()) {
                stats.forcesWon++;
                Set<Integer> outdated = new java.util.HashSet<>();
                ClusterRecord r = n.node.record();
                for (int id : ids) if (config.node(id).isData() && r.isOutdated(id)) outdated.add(id);
                String v = checker.forcedWin(n.id, fe.lostSinceTerm(), outdated, tree, latestWrite, n.data);
                if (v != null) fail(v);
            }
        }
    }

    private void fenceDone(SimNode requester, long incarnation, int[] p) {
        if (requester.node == null || requester.incarnation != incarnation) return; // died meanwhile
        if (requester.paused()) {
            schedule(requester.pausedUntil + 1, FENCE_DONE, requester.id, incarnation, p);
            return;
        }
        boolean works = p[1] == 1;
        if (works) {
            SimNode peer = nodes.get(p[0]);
            // power off: every process of the peer ends at once, and it boots again later
            crash(peer, (500 + rnd.nextInt(3000)) * MS, "fenced by " + config.name(requester.id));
        }
        step(requester, new Input.FenceOutcome(requester.local(now), p[0], works));
    }

    // ------------------------------------------------------------------ network

    private boolean isBlocked(int from, int to, int link) {
        int[] a = blocked.get(key(from, to, -1));
        int[] b = blocked.get(key(from, to, link));
        return (a != null && a[0] > 0) || (b != null && b[0] > 0);
    }

    private static long key(int from, int to, int link) {
        return ((long) (link + 1) << 40) | ((long) from << 20) | to;
    }

    private void send(int from, Outgoing o) {
        if (isBlocked(from, o.to(), o.link())) return;
        if (rnd.nextDouble() < loss) return;
        int copies = rnd.nextDouble() < duplication ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 50_000 + (long) (rnd.nextDouble() * maxDelay);
            schedule(now + delay, DELIVER, o.to(), 0, new Delivery(from, o.link(), o.message()));
        }
    }

    // ------------------------------------------------------------------ faults

    private void block(long k, long duration) {
        blocked.computeIfAbsent(k, x -> new int[1])[0]++;
        schedule(now + duration, HEAL, 0, faultEpoch, k);
    }

    private int randomNode() {
        return ids.get(rnd.nextInt(ids.size()));
    }

    private void fault() {
        int kind = rnd.nextInt(12);
        long dur = (300 + rnd.nextInt(3700)) * MS;
        int a = randomNode();
        int b = randomNode();
        SimNode na = nodes.get(a);
        switch (kind) {
            case 0 -> crash(na, (100 + rnd.nextInt(2900)) * MS, "fault");
            case 1 -> {
                if (na.node != null && !na.paused()) {
                    na.pausedUntil = now + (1200 + rnd.nextInt(2800)) * MS; // longer than the lease
                    stats.pauses++;
                    log(config.name(a) + " frozen for " + (na.pausedUntil - now) / MS + " ms");
                }
            }
            case 2 -> {
                stats.partitions++;
                log(config.name(a) + " isolated for " + dur / MS + " ms");
                for (int o : ids) if (o != a) {
                    block(key(a, o, -1), dur);
                    block(key(o, a, -1), dur);
                }
            }
            case 3 -> {
                if (a != b) {
                    stats.partitions++;
                    log(config.name(a) + " <-> " + config.name(b) + " cut for " + dur / MS + " ms");
                    block(key(a, b, -1), dur);
                    block(key(b, a, -1), dur);
                }
            }
            case 4 -> {
                if (a != b) {
                    stats.partitions++;
                    log(config.name(a) + " -> " + config.name(b) + " cut (one-way) for " + dur / MS + " ms");
                    block(key(a, b, -1), dur);
                }
            }
            case 5 -> {
                if (a != b) {
                    int link = rnd.nextInt(2);
                    log(config.name(a) + " <-> " + config.name(b) + " link " + link + " cut for " + dur / MS + " ms");
                    block(key(a, b, link), dur);
                    block(key(b, a, link), dur);
                }
            }
            case 6 -> loss = rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 0.3;
            case 7 -> duplication = rnd.nextDouble() * 0.2;
            case 8 -> maxDelay = (rnd.nextInt(4) == 0 ? 300 : 20) * MS * rnd.nextInt(1, 11) / 10;
            case 9 -> {
                double drift = config.timings().maxClockDrift();
                na.setRate(now, 1 + (rnd.nextDouble() * 2 - 1) * drift);
            }
            case 10 -> {
                // the master's resources fail (mysqld beyond its restarts, a disk error): it must hand over
                for (SimNode n : nodes.values()) {
                    if (n.node != null && !n.paused() && n.serving) {
                        log(config.name(n.id) + ": resources failed");
                        step(n, new Input.ResourcesFailed(n.local(now), "simulated resource failure", rnd.nextBoolean()));
                        break;
                    }
                }
            }
            default -> randomIntent();
        }
    }

    /**
     * What the operator does about forced promotions: half the time {@code promote [--force]} somewhere; half the
     * time the replication link to a peer goes (all links when there is one), the master writes on with the peer
     * Outdated, then dies, which is the case a forced promotion is for (the crash schedules the operator's force).
     */
    private void forceScenario() {
        if (opRnd.nextBoolean()) {
            forcePromotion(opRnd.nextInt(4) == 0 ? nodes.get(ids.get(opRnd.nextInt(ids.size()))) : null);
            return;
        }
        int a = ids.get(opRnd.nextInt(ids.size()));
        long dur = (300 + opRnd.nextInt(3700)) * MS;
        for (SimNode m : nodes.values()) {
            if (m.node == null || !m.serving || m.paused() || a == m.id || !config.node(a).isData()) continue;
            log(config.name(m.id) + " <-> " + config.name(a) + " replication link cut for " + dur / MS
                    + " ms; the master dies soon after");
            block(key(m.id, a, 0), dur);
            block(key(a, m.id, 0), dur);
            schedule(now + (400 + opRnd.nextInt(2000)) * MS, DIES, m.id, 0, null);
            break;
        }
    }

    /** {@code agentctl promote [--force]} at {@code at}, or at a node whose record says it is Outdated (null). */
    private void forcePromotion(SimNode at) {
        if (at == null) {
            List<SimNode> outdated = new ArrayList<>();
            for (int id : ids) {
                SimNode o = nodes.get(id);
                if (o.node != null && !o.paused() && config.node(id).isData() && o.node.record().isOutdated(id)) outdated.add(o);
            }
            if (outdated.isEmpty()) return;
            at = outdated.get(opRnd.nextInt(outdated.size()));
        }
        if (at.node == null || at.paused()) return;
        boolean force = opRnd.nextInt(8) != 0;
        long window = 1000 + opRnd.nextInt(9000);
        log("operator at " + config.name(at.id) + ": promote" + (force ? " --force" : "") + " (window " + window + " ms)");
        step(at, new Input.Promote(at.local(now), ++requestIds, force, window));
    }

    private void randomIntent() {
        SimNode at = nodes.get(randomNode());
        if (at.node == null || at.paused()) return;
        List<Integer> data = new ArrayList<>();
        for (NodeSpec s : config.nodes()) if (s.isData()) data.add(s.id());
        int target = data.get(rnd.nextInt(data.size()));
        Intent intent = switch (rnd.nextInt(6)) {
            case 0, 1 -> new Intent.Switchover(rnd.nextBoolean() ? 0 : target);
            case 2 -> new Intent.Standby(target);
            case 3 -> new Intent.Unstandby(target);
            default -> new Intent.Maintenance(rnd.nextBoolean());
        };
        stats.intents++;
        log("operator at " + config.name(at.id) + ": " + intent);
        step(at, new Input.OperatorIntent(at.local(now), ++requestIds, intent));
    }

    private void calmIntents() {
        for (SimNode n : nodes.values()) {
            if (n.node == null || n.paused() || !n.node.isLeader()) continue;
            ClusterRecord r = n.node.record();
            for (int s : r.standby()) step(n, new Input.OperatorIntent(n.local(now), ++requestIds, new Intent.Unstandby(s)));
            if (r.maintenance()) step(n, new Input.OperatorIntent(n.local(now), ++requestIds, new Intent.Maintenance(false)));
        }
    }

    // ------------------------------------------------------------------ resources: data, replication, writes

    private boolean connected(int a, int b) {
        SimNode na = nodes.get(a), nb = nodes.get(b);
        return na.node != null && nb.node != null && !na.paused() && !nb.paused()
                && !isBlocked(a, b, 0) && !isBlocked(b, a, 0);
    }

    private void world() {
        // resync between connected data nodes whose copies differ
        for (int a : ids) for (int b : ids) {
            if (a >= b || !config.node(a).isData() || !config.node(b).isData()) continue;
            long k = key(a, b, -1);
            SimNode na = nodes.get(a), nb = nodes.get(b);
            if (!connected(a, b) || na.data == nb.data) {
                resyncSince.remove(k);
                splitSince.remove(k);
                continue;
            }
            if (!tree.holds(na.data, nb.data) && !tree.holds(nb.data, na.data)) {
                // both wrote since they parted (only after a forced promotion): DRBD stays StandAlone, nothing
                // resyncs until the operator discards one side
                resyncSince.remove(k);
                Long split = splitSince.putIfAbsent(k, now);
                if (split != null && now - split >= 1000 * MS && na.serving != nb.serving) {
                    SimNode loser = na.serving ? nb : na, winner = na.serving ? na : nb;
                    List<Long> dropped = tree.missing(loser.data, winner.data);
                    log("operator discards " + config.name(loser.id) + "'s diverged copy (" + dropped.size()
                            + " writes given up earlier): split brain resolved, it resyncs from " + config.name(winner.id));
                    String v = checker.discards(loser.id, dropped, tree, latestWrite);
                    if (v != null) {
                        fail(v);
                        return;
                    }
                    loser.data = tree.commonAncestor(loser.data, winner.data);
                    splitSince.remove(k);
                }
                continue;
            }
            splitSince.remove(k);
            Long since = resyncSince.putIfAbsent(k, now);
            if (since != null && now - since >= 300 * MS) {
                long v = tree.holds(na.data, nb.data) ? na.data : nb.data;
                na.data = v;
                nb.data = v;
                resyncSince.remove(k);
            }
        }
        // what each master's DRBD tells it about its peers
        for (SimNode n : nodes.values()) {
            if (n.node == null || n.paused() || !n.node.isLeader()) continue;
            for (int p : ids) {
                if (p == n.id || !config.node(p).isData()) continue;
                boolean inSync = inSync(n.id, p);
                Boolean last = n.lastReported.put(p, inSync);
                if (last == null || last != inSync) {
                    log(config.name(n.id) + " sees " + config.name(p) + (inSync ? " in sync" : " not in sync")
                            + " (data " + n.data + "/" + nodes.get(p).data + ")");
                    step(n, new Input.PeerReplication(n.local(now), p, inSync));
                }
                if (violation != null) return;
            }
        }
        // the master writes, as DRBD lets it: every peer in sync, or committed as Outdated
        for (SimNode n : nodes.values()) {
            if (n.node == null || n.paused() || !n.serving) continue;
            boolean may = true;
            for (int p : ids) {
                if (p == n.id || !config.node(p).isData()) continue;
                if (!inSync(n.id, p) && !n.node.peerConfirmedOutdated(p)) may = false;
            }
            if (!may) continue;
            if (n.data != latestWrite) {
                fail(config.name(n.id) + " writes on data version " + n.data + " but version " + latestWrite
                        + " was acknowledged elsewhere: acknowledged writes lost (S2/S3)");
                return;
            }
            long before = n.data;
            latestWrite = tree.write(before, n.id, n.node.term());
            stats.writes++;
            n.data = latestWrite;
            for (int p : ids) if (p != n.id && config.node(p).isData() && connected(n.id, p)) {
                SimNode np = nodes.get(p);
                if (np.data == before && !resyncSince.containsKey(key(Math.min(n.id, p), Math.max(n.id, p), -1)))
                    np.data = latestWrite;
            }
        }
    }

    private boolean inSync(int a, int b) {
        return connected(a, b) && nodes.get(a).data == nodes.get(b).data
                && !resyncSince.containsKey(key(Math.min(a, b), Math.max(a, b), -1));
    }

    // ------------------------------------------------------------------ liveness

    private void checkLiveness() {
        int serving = 0;
        StringBuilder sb = new StringBuilder();
        for (SimNode n : nodes.values()) {
            boolean s = n.node != null && n.serving && n.node.leaseValid(n.local(now));
            if (s) serving++;
            sb.append(' ').append(config.name(n.id)).append('=').append(n.describe(now));
        }
        if (serving != 1)
            fail("L1: " + (end - faultsEnd) / MS + " ms after the faults stopped, " + serving
                    + " nodes serve instead of one:" + sb);
    }

    // ------------------------------------------------------------------ helpers

    private void fail(String v) {
        if (violation == null) {
            violation = String.format("t=%.3f s: %s", now / 1e9, v);
            log("VIOLATION " + v);
        }
    }

    private void log(String s) {
        if (tracing) trace.add(String.format("%9.3f %s", now / 1e9, s));
    }

    /** One simulated node: the protocol (null while down), its disk, clock and data. */
    final class SimNode {
        final int id;
        Node node;
        PersistentState disk = PersistentState.INITIAL;
        double rate = 1;
        long realBase;
        long localBase;
        long pausedUntil;
        long incarnation;
        long downToken;
        boolean serving;
        long data;
        final Map<Integer, Boolean> lastReported = new HashMap<>();

        SimNode(int id) {
            this.id = id;
        }

        long local(long real) {
            return localBase + (long) ((real - realBase) * rate);
        }

        void setRate(long real, double r) {
            localBase = local(real);
            realBase = real;
            rate = r;
        }

        boolean paused() {
            return now < pausedUntil;
        }

        String describe(long real) {
            if (node == null) return "down";
            return node.role() + "/t" + node.term() + (serving ? "/serving" : "") + (paused() ? "/paused" : "")
                    + "/rec" + node.record().version() + (node.record().standby().isEmpty() ? "" : "/standby" + node.record().standby())
                    + (node.record().dataStates().isEmpty() ? "" : "/outdated" + node.record().dataStates().keySet())
                    + "/data" + data + (node.leaseValid(local(real)) ? "/lease" : "")
                    + (node.whyNotCandidate(local(real)) == null ? "" : "/(" + node.whyNotCandidate(local(real)) + ")");
        }
    }
}
