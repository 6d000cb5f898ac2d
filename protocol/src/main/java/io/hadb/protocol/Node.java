package io.hadb.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * One node's protocol state machine: (state, input) → (state, output). No threads, sockets or clocks: time
 * comes in with every input, messages and decisions go out in the {@link Output}.
 *
 * <p>Election with terms as in Raft (a vote persisted before it is sent; a candidate whose record is older
 * loses); leader leases counted from the send time of the renewal that a majority acknowledged; voters that
 * acknowledged a renewal refuse every other candidate for {@link Timings#voterWaitMs()}, also right after
 * their own start, since they forgot whom they promised. The cluster record is replicated whole with every
 * heartbeat and committed once a majority persisted it.
 */
public final class Node {
    /** Deliberately broken variants, only for showing that the simulation's checker finds violations. */
    enum Flaw {
        /** The master counts its lease from when the acknowledgements arrived, not from when it sent. */
        LEASE_FROM_ACK,
        /** A vote for another node is not written to disk: a restart forgets it. */
        VOTE_NOT_PERSISTED,
        /** A restarted node votes at once instead of waiting out a promise it may have forgotten. */
        NO_RESTART_WAIT,
        /** Voters wait exactly the lease, with no margin for clocks running at different rates. */
        NO_DRIFT_MARGIN,
        /** A forced promotion also overrides the voters' promise to a master whose lease may still run. */
        FORCE_OVERRIDES_PROMISE
    }

    public enum Role {
        FOLLOWER,
        CANDIDATE,
        LEADER
    }

    private static final long MS = 1_000_000L;

    private final ClusterConfig config;
    private final NodeSpec me;
    private final Timings t;
    private final Random random;
    private final Set<Flaw> flaws;
    private final FailureDetector detector;

    // persistent
    private long term;
    private int votedFor;
    private ClusterRecord record;
    private boolean dirty;

    // volatile
    private Role role = Role.FOLLOWER;
    private int leader;
    private long lastLeaderContact = Long.MIN_VALUE;
    private long electionDeadline;
    private long promiseUntil;
    private int promisedTo;
    private final Set<Integer> votes = new HashSet<>();
    private long nextPing;
    private boolean quorate;
    private ClusterRecord committed = ClusterRecord.EMPTY;

    // leader
    private LeaseTracker lease;
    private long seq;
    private long nextHeartbeat;
    private RecordVersion electedAt = RecordVersion.ZERO;
    private final TreeMap<RecordVersion, ClusterRecord> proposals = new TreeMap<>();
    private final Map<Integer, RecordVersion> persistedBy = new HashMap<>();
    private final List<PendingReply> pendingReplies = new ArrayList<>();
    private Handover handover;
    private boolean serving;
    private long serveTerm;

    // replication as this node's DRBD sees it: peer -> in sync
    private final Map<Integer, Boolean> replication = new HashMap<>();

    // fencing (two-node clusters)
    private final Map<Integer, RecordVersion> peerRecord = new HashMap<>();
    private final long boot;
    private final Map<Integer, Long> peerBoot = new HashMap<>();
    private final Set<Integer> freshSinceStart = new HashSet<>();
    private final Set<Integer> fenced = new HashSet<>();
    private int fencing;
    private long nextFenceAttempt;

    /** How many lease lengths a node whose resources failed waits before it stands again (first failure). */
    static final long RESOURCE_BACKOFF_LEASES = 10;
    /** The back-off doubles with each failure in a row, up to this many lease lengths. */
    static final long RESOURCE_BACKOFF_MAX_LEASES = 320;
    /** A failure before serving this many lease lengths after the last back-off ended starts a new streak. */
    static final long RESOURCE_STREAK_FORGET_LEASES = 60;
    private long backoffUntil = Long.MIN_VALUE;
    private int failureStreak;
    /** A record said another data node cannot serve since this node's own last resource failure. */
    private boolean peerFailedSinceMine;
    private static final String CANNOT_SERVE = " cannot serve: ";

    // intents given here and forwarded to the master
    private final Map<Long, Long> forwarded = new HashMap<>();

    // an operator's forced promotion of this Outdated node: stands despite the mark until the deadline
    private Force force;
    private long forcedTerm = -1;

    private record Force(long requestId, long deadline, long windowMs) {}

    private record PendingReply(RecordVersion version, int origin, long requestId, String message) {}

    private record Handover(int target, long deadline, int origin, long requestId, String reason) {}

    public Node(ClusterConfig config, int self, PersistentState persisted, long now, long randomSeed) {
        this(config, self, persisted, now, randomSeed, EnumSet.noneOf(Flaw.class));
    }

    Node(ClusterConfig config, int self, PersistentState persisted, long now, long randomSeed, Set<Flaw> flaws) {
        this.config = config;
        this.me = config.node(self);
        this.t = config.timings();
        this.random = new Random(randomSeed);
        long b = random.nextLong();
        this.boot = b == 0 ? 1 : b;
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        this.detector = new FailureDetector(config, self, now);
        this.term = persisted.term();
        this.votedFor = persisted.votedFor();
        this.record = persisted.record();
        // After a start this node does not know whom it promised its vote before: it waits as if it had
        // just acknowledged a renewal, so a master it supported keeps its lease to the end.
        this.promiseUntil = flaws.contains(Flaw.NO_RESTART_WAIT) ? now : now + voterWaitNanos();
        this.promisedTo = 0;
        this.electionDeadline = now + jitter();
        this.nextPing = now;
    }

    // ---------------------------------------------------------------- step

    public Output step(Input input) {
        List<Outgoing> msgs = new ArrayList<>();
        List<Decision> decs = new ArrayList<>();
        long now = input.now();
        if (input instanceof Input.Received r) {
            receive(r, msgs, decs);
        } else if (input instanceof Input.OperatorIntent oi) {
            intent(now, me.id(), oi.requestId(), oi.intent(), msgs, decs);
        } else if (input instanceof Input.FenceOutcome fo) {
            fenceOutcome(fo, decs);
        } else if (input instanceof Input.PeerReplication pr) {
            replication.put(pr.peer(), pr.inSync());
        } else if (input instanceof Input.ResourcesReleased) {
            released(now, msgs, decs);
        } else if (input instanceof Input.ResourcesFailed rf) {
            resourcesFailed(now, rf.reason(), rf.beforeServing(), msgs, decs);
        } else if (input instanceof Input.Promote p) {
            promote(p, decs);
        }
        tick(now, msgs, decs);
        PersistentState p = null;
        if (dirty) {
            p = persistentState();
            dirty = false;
        }
        return new Output(p, msgs, decs);
    }

    // ---------------------------------------------------------------- time

    private void tick(long now, List<Outgoing> msgs, List<Decision> decs) {
        detector.tick(now, decs);
        updateQuorum(decs);
        expireForwarded(now, decs);
        if (force != null && now >= force.deadline) {
            String why = ineligible(now, false);
            endForce(false, "forced promotion not won within " + force.windowMs + " ms ("
                    + (why != null ? why : "no majority of votes") + "); nothing changed", decs);
            // a forced candidacy ends with the window: an Outdated node must not win it late
            if (role == Role.CANDIDATE && record.isOutdated(me.id())) {
                role = Role.FOLLOWER;
                votes.clear();
            }
        }
        if (role == Role.LEADER) {
            leaderTick(now, msgs, decs);
        } else {
            if (now >= nextPing) {
                for (NodeSpec n : config.nodes()) {
                    if (n.id() == me.id()) continue;
                    Message ping = new Message.Ping(term, leader, record.version(), boot, peerBoot.getOrDefault(n.id(), 0L));
                    for (int l = 0; l < n.links(); l++) msgs.add(new Outgoing(n.id(), l, ping));
                }
                nextPing = now + t.heartbeatMs() * MS;
            }
            if (leader != 0 && now - lastLeaderContact >= t.failureTimeoutMs() * MS) {
                decs.add(new Decision.LeaderChanged(term, 0, "master " + config.name(leader) + " silent for "
                        + (now - lastLeaderContact) / MS + " ms"));
                leader = 0;
            }
            maybeFence(now, decs);
            maybeStandForElection(now, msgs, decs, 0);
        }
        updateServing(now, decs);
    }

    private void leaderTick(long now, List<Outgoing> msgs, List<Decision> decs) {
        if (now >= nextHeartbeat) sendHeartbeat(now, msgs);
        if (handover != null && now >= handover.deadline) {
            reply(handover.origin, handover.requestId, false,
                    "switchover to " + config.name(handover.target) + " abandoned: resources not released in time",
                    msgs, decs);
            handover = null;
        }
        reconcileRecord(now, msgs);
        if (record.isStandby(me.id()) && handover == null && committed.version().atLeast(electedAt)) {
            // a node in standby leads only to keep the record moving: it hands over once another can serve
            int target = chooseTarget(0);
            if (target != 0)
                startHandover(now, target, me.id(), 0, config.name(me.id()) + " is in standby: handing over to "
                        + config.name(target), decs);
        }
        maybeFence(now, decs);
    }

    // ---------------------------------------------------------------- receive

    private void receive(Input.Received r, List<Outgoing> msgs, List<Decision> decs) {
        long now = r.now();
        int from = r.from();
        if (config.find(from).isEmpty() || from == me.id()) return;
        detector.heard(from, r.link(), now, decs);
        if (fenced.remove(from)) {
            if (lease != null) lease.creditsChanged(now, fenced);
        }
        Message m = r.message();
        if (m instanceof Message.Ping p) heardFrom(from, p.boot(), p.echo(), p.recordVersion());
        if (m instanceof Message.Heartbeat hb) heardFrom(from, hb.boot(), hb.echo(), hb.record().version());
        if (m instanceof Message.Heartbeat hb) {
            onHeartbeat(now, from, r.link(), hb, msgs, decs);
        } else if (m instanceof Message.HeartbeatAck ack) {
            onAck(now, from, ack, msgs, decs);
        } else if (m instanceof Message.VoteRequest vr) {
            onVoteRequest(now, from, r.link(), vr, msgs, decs);
        } else if (m instanceof Message.VoteResponse vr) {
            onVoteResponse(now, from, vr, msgs, decs);
        } else if (m instanceof Message.IntentRequest ir) {
            intent(now, from, ir.requestId(), ir.intent(), msgs, decs);
        } else if (m instanceof Message.IntentReply ir) {
            if (forwarded.remove(ir.requestId()) != null)
                decs.add(new Decision.IntentResult(ir.requestId(), ir.accepted(), ir.message()));
        } else if (m instanceof Message.TimeoutNow tn) {
            if (tn.term() == term && role != Role.LEADER) {
                if (promisedTo == from) promiseUntil = now;
                maybeStandForElection(now, msgs, decs, from);
            }
        } else if (m instanceof Message.LeaseReleased lr) {
            if (lr.term() == term && promisedTo == from) promiseUntil = now;
        }
        // a Ping only feeds the failure detector
    }

    private void heardFrom(int peer, long peerBootId, long echo, RecordVersion told) {
        peerBoot.put(peer, peerBootId);
        if (echo == boot) freshSinceStart.add(peer);
        peerRecord.merge(peer, told, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }

    private void onHeartbeat(long now, int from, int link, Message.Heartbeat hb, List<Outgoing> msgs,
                             List<Decision> decs) {
        if (hb.term() < term) {
            msgs.add(new Outgoing(from, link, new Message.HeartbeatAck(term, hb.seq(), record.version())));
            return;
        }
        if (hb.term() > term) adoptTerm(hb.term(), "heartbeat from " + config.name(from), decs);
        if (role == Role.LEADER) {
            // Same term, two leaders: cannot happen while votes are persisted. Never serve on it.
            stepDown(now, "another master " + config.name(from) + " in term " + term, decs);
        }
        if (role == Role.CANDIDATE) role = Role.FOLLOWER;
        if (force != null)
            endForce(false, config.name(from) + " is master in term " + term + ": forced promotion abandoned; use switchover",
                    decs);
        if (leader != from) decs.add(new Decision.LeaderChanged(term, from, "heartbeat in term " + term));
        leader = from;
        lastLeaderContact = now;
        electionDeadline = now + t.failureTimeoutMs() * MS + jitter();
        promiseUntil = Math.max(promiseUntil, now + voterWaitNanos());
        promisedTo = from;
        if (hb.record().version().newerThan(record.version())) {
            record = hb.record();
            sawRecord(record);
            dirty = true;
        }
        if (record.version().equals(hb.committed()) && !committed.version().equals(hb.committed())) {
            committed = record;
        }
        msgs.add(new Outgoing(from, link, new Message.HeartbeatAck(term, hb.seq(), record.version())));
    }

    private void onAck(long now, int from, Message.HeartbeatAck ack, List<Outgoing> msgs, List<Decision> decs) {
        if (ack.term() > term) {
            adoptTerm(ack.term(), config.name(from) + " is in a newer term", decs);
            return;
        }
        if (role != Role.LEADER || ack.term() != term) return;
        lease.acked(from, ack.seq(), now, fenced);
        persistedBy.merge(from, ack.persisted(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        advanceCommit(msgs, decs);
    }

    private void onVoteRequest(long now, int from, int link, Message.VoteRequest vr, List<Outgoing> msgs,
                               List<Decision> decs) {
        if (vr.term() < term) {
            msgs.add(new Outgoing(from, link, new Message.VoteResponse(term, false)));
            return;
        }
        if (vr.transferFrom() != 0 && vr.transferFrom() == promisedTo) {
            // the master we promised handed the role over: our promise to it ends here
            promiseUntil = now;
        }
        boolean overridePromise = vr.force() && flaws.contains(Flaw.FORCE_OVERRIDES_PROMISE);
        if (now < promiseUntil && promisedTo != from && !overridePromise) {
            // still promised to a master (or just started): do not even adopt the term, so a node coming
            // back from a partition cannot depose a master that holds its lease
            msgs.add(new Outgoing(from, link, new Message.VoteResponse(term, false)));
            return;
        }
        if (vr.term() > term) adoptTerm(vr.term(), "vote request from " + config.name(from), decs);
        // A candidate with a newer record knows better than we do whether it is Outdated or in standby (it
        // checks that itself before standing); with the same version, ours says the same as its own. An
        // operator's force overrides the Outdated mark alone: the vote, the record and the promise rules hold.
        boolean newer = vr.recordVersion().newerThan(record.version());
        boolean outdatedAndForced = !newer && record.isOutdated(from) && vr.force();
        boolean grant = (votedFor == 0 || votedFor == from)
                && config.node(from).isData()
                && vr.recordVersion().atLeast(record.version())
                && (newer || !record.isOutdated(from) || vr.force());
        if (grant) {
            votedFor = from;
            dirty = true;
            electionDeadline = now + t.failureTimeoutMs() * MS + jitter();
            decs.add(new Decision.Voted(term, from, outdatedAndForced));
        }
        msgs.add(new Outgoing(from, link, new Message.VoteResponse(term, grant)));
    }

    private void onVoteResponse(long now, int from, Message.VoteResponse vr, List<Outgoing> msgs,
                                List<Decision> decs) {
        if (vr.term() > term) {
            adoptTerm(vr.term(), config.name(from) + " is in a newer term", decs);
            return;
        }
        if (role != Role.CANDIDATE || vr.term() != term || !vr.granted()) return;
        votes.add(from);
        if (votesFor(votes) >= config.quorum()) becomeLeader(now, msgs, decs);
    }

    // ---------------------------------------------------------------- election

    private void maybeStandForElection(long now, List<Outgoing> msgs, List<Decision> decs, int transferFrom) {
        boolean transfer = transferFrom != 0;
        if (!transfer && now < electionDeadline) return;
        if (!transfer && leader != 0) return;
        String why = ineligible(now, transfer);
        if (why != null) return;
        term++;
        votedFor = me.id();
        dirty = true;
        role = Role.CANDIDATE;
        votes.clear();
        votes.add(me.id());
        electionDeadline = now + t.failureTimeoutMs() * MS + jitter();
        String reason = transfer ? "switchover from " + config.name(transferFrom)
                : leaderSilenceReason(now);
        boolean forced = force != null && record.isOutdated(me.id());
        if (forced) reason = "forced promotion by operator, data " + record.dataState(me.id()) + "; " + reason;
        decs.add(new Decision.ElectionStarted(term, reason));
        broadcast(new Message.VoteRequest(term, record.version(), transferFrom, forced), msgs);
        if (votesFor(votes) >= config.quorum()) becomeLeader(now, msgs, decs);
    }

    private String leaderSilenceReason(long now) {
        if (record.master() != 0 && record.master() != me.id()) {
            long silent = detector.silentMs(record.master(), now);
            return "master " + config.name(record.master()) + (silent == Long.MAX_VALUE ? " not heard since start"
                    : " silent for " + silent + " ms");
        }
        return "no master";
    }

    /** Why this node may not stand for election now, or null. */
    private String ineligible(long now, boolean transfer) {
        if (!me.isData()) return "witness";
        if (role == Role.LEADER) return "already master";
        if (record.isOutdated(me.id()) && force == null) return "data Outdated";
        if (now < backoffUntil && anotherCouldServe()) return failureStreak > 1
                ? "backing off after " + failureStreak + " resource failures in a row"
                : "backing off after a resource failure";
        if (!transfer && now < promiseUntil) return "promised";
        if (config.twoNodeMode()) {
            for (NodeSpec n : config.nodes())
                if (n.id() != me.id() && !freshSinceStart.contains(n.id()) && !fenced.contains(n.id()))
                    return "waiting for all nodes since start";
        }
        if (reachableVotes() < config.quorum()) return "no quorum";
        return null;
    }

    /** Whether, as far as this node knows, another data node could be master instead of it. */
    /** Another data node is up, may serve by the record, and can win an election (its record is not behind ours). */
    private boolean anotherCouldServe() {
        for (NodeSpec n : config.nodes()) {
            if (n.id() == me.id() || !n.isData() || !detector.up(n.id()) || record.isOutdated(n.id())
                    || record.isStandby(n.id())) continue;
            RecordVersion has = peerRecord.get(n.id());
            if (has != null && !record.version().newerThan(has)) return true;
        }
        return false;
    }

    private void becomeLeader(long now, List<Outgoing> msgs, List<Decision> decs) {
        if (record.isOutdated(me.id()) && force == null) return; // never master on an Outdated copy unforced
        role = Role.LEADER;
        leader = me.id();
        lease = new LeaseTracker(config, me.id(), flaws.contains(Flaw.LEASE_FROM_ACK));
        persistedBy.clear();
        proposals.clear();
        handover = null;
        List<String> from = new ArrayList<>();
        for (int v : votes) if (v != me.id()) from.add(config.name(v));
        for (int f : fenced) from.add(config.name(f) + "(fenced)");
        if (force != null && record.isOutdated(me.id())) {
            becomeForcedLeader(decs);
        } else {
            record = record.next(term, "elected in term " + term).withMaster(me.id());
            if (force != null) endForce(false, config.name(me.id()) + " elected in term " + term
                    + " without the force: its record no longer says it is Outdated", decs);
        }
        electedAt = record.version();
        proposals.put(record.version(), record);
        dirty = true;
        decs.add(new Decision.LeaderChanged(term, me.id(), "elected in term " + term + " with votes of "
                + (from.isEmpty() ? "itself alone" : String.join("+", from))));
        sendHeartbeat(now, msgs);
        advanceCommit(msgs, decs);
    }

    /**
     * The first record of a master elected by force: itself UpToDate, every other data node Outdated since this
     * term, because their writes since this node was marked Outdated are given up by the operator's choice.
     */
    private void becomeForcedLeader(List<Decision> decs) {
        long lostSince = record.dataState(me.id()).outdatedSinceTerm();
        ClusterRecord next = record.withMaster(me.id()).withDataState(me.id(), DataState.UP_TO_DATE);
        java.util.TreeSet<Integer> givenUp = new java.util.TreeSet<>();
        for (NodeSpec n : config.nodes()) {
            if (n.id() == me.id() || !n.isData()) continue;
            if (!next.isOutdated(n.id())) {
                next = next.withDataState(n.id(), DataState.outdatedSince(term));
                givenUp.add(n.id());
            }
            // a report of its copy in sync from before the force is stale: only a resync after it counts
            replication.put(n.id(), false);
        }
        String names = givenUp.isEmpty() ? "no node (every other copy was Outdated already)"
                : String.join(", ", givenUp.stream().map(config::name).toList());
        String reason = "forced promotion by operator: writes since term " + lostSince + " on " + names + " given up";
        record = next.next(term, reason);
        forcedTerm = term;
        Force f = force;
        force = null;
        decs.add(new Decision.ForceEnded(f.requestId, true, term, givenUp, lostSince, reason));
    }

    private void endForce(boolean won, String reason, List<Decision> decs) {
        Force f = force;
        force = null;
        decs.add(new Decision.ForceEnded(f.requestId, won, term, java.util.Set.of(), 0, reason));
    }

    /** {@code agentctl promote [--force]} given at this node: refused at once, or a window opens (see {@link Input.Promote}). */
    private void promote(Input.Promote p, List<Decision> decs) {
        long now = p.now();
        String me0 = config.name(me.id());
        String refusal = null;
        if (!me.isData()) {
            refusal = me0 + " is a witness: it cannot be master";
        } else if (role == Role.LEADER) {
            refusal = "already master";
        } else if (!record.isOutdated(me.id())) {
            refusal = me0 + " is not Outdated: promote is only for an Outdated node whose peer's data is gone; "
                    + "use switchover --to " + me0;
        } else if (!p.force()) {
            refusal = "this node is Outdated since term " + record.dataState(me.id()).outdatedSinceTerm()
                    + ": promoting it would lose the writes made since; add --force if the peer's data is gone";
        } else if (force != null) {
            refusal = "a forced promotion is already under way for " + (force.deadline - now) / MS + " ms more";
        } else if (leader != 0 && detector.up(leader)) {
            refusal = config.name(leader) + " is master: use switchover";
        } else {
            for (NodeSpec n : config.nodes()) {
                if (n.id() == me.id() || !n.isData() || !detector.up(n.id())) continue;
                if (!record.isOutdated(n.id()) && !record.isStandby(n.id())) {
                    refusal = n.name() + " is reachable and UpToDate: it can be master without losing data "
                            + "(use switchover; stop its agent first if its disk is gone)";
                    break;
                }
            }
            // two data nodes alone gain the quorum by fencing the peer, which the force lets this node do
            if (refusal == null && !config.twoNodeMode() && reachableVotes() < config.quorum())
                refusal = "no quorum: " + reachableVotes() + " of " + config.totalVotes() + " votes reachable, "
                        + config.quorum() + " needed";
        }
        if (refusal != null) {
            decs.add(new Decision.IntentResult(p.requestId(), false, refusal));
            return;
        }
        force = new Force(p.requestId(), now + p.windowMs() * MS, p.windowMs());
        // stand at once, not after the election timer: the operator is waiting (the promise still holds)
        electionDeadline = now;
        decs.add(new Decision.ForceStarted(p.requestId(), p.windowMs(), "forced promotion by operator: " + me0
                + " stands despite its data " + record.dataState(me.id()) + " for up to " + p.windowMs() + " ms"));
    }

    private void adoptTerm(long newTerm, String why, List<Decision> decs) {
        term = newTerm;
        votedFor = 0;
        dirty = true;
        if (role != Role.FOLLOWER) {
            role = Role.FOLLOWER;
            lease = null;
            handover = null;
            failPendingReplies("master changed (" + why + ") before the change was committed; retry", decs);
        }
        if (leader != 0) {
            leader = 0;
            decs.add(new Decision.LeaderChanged(term, 0, why));
        }
    }

    private void stepDown(long now, String why, List<Decision> decs) {
        role = Role.FOLLOWER;
        leader = 0;
        lease = null;
        handover = null;
        failPendingReplies("master stepped down: " + why, decs);
    }

    // ---------------------------------------------------------------- leader

    private void sendHeartbeat(long now, List<Outgoing> msgs) {
        seq++;
        lease.sent(seq, now, fenced);
        // the master is a voter too: it will not vote for anyone else while its own lease may run
        promiseUntil = Math.max(promiseUntil, now + voterWaitNanos());
        promisedTo = me.id();
        for (NodeSpec n : config.nodes()) {
            if (n.id() == me.id()) continue;
            Message hb = new Message.Heartbeat(term, seq, record, committed.version(), boot,
                    peerBoot.getOrDefault(n.id(), 0L));
            for (int l = 0; l < n.links(); l++) msgs.add(new Outgoing(n.id(), l, hb));
        }
        nextHeartbeat = now + t.heartbeatMs() * MS;
    }

    private void propose(ClusterRecord next, long now, List<Outgoing> msgs) {
        record = next;
        sawRecord(next);
        proposals.put(next.version(), next);
        dirty = true;
        sendHeartbeat(now, msgs);
    }

    private void advanceCommit(List<Outgoing> msgs, List<Decision> decs) {
        RecordVersion best = null;
        for (RecordVersion v : proposals.descendingKeySet()) {
            int n = me.votes();
            for (NodeSpec s : config.nodes()) {
                if (s.id() == me.id()) continue;
                RecordVersion p = persistedBy.get(s.id());
                if (fenced.contains(s.id()) || (p != null && p.atLeast(v))) n += s.votes();
            }
            if (n >= config.quorum()) {
                best = v;
                break;
            }
        }
        if (best == null || committed.version().atLeast(best)) return;
        committed = proposals.get(best);
        proposals.headMap(best, false).clear();
        decs.add(new Decision.RecordCommitted(committed));
        Iterator<PendingReply> it = pendingReplies.iterator();
        while (it.hasNext()) {
            PendingReply pr = it.next();
            if (committed.version().atLeast(pr.version)) {
                it.remove();
                reply(pr.origin, pr.requestId, true, pr.message, msgs, decs);
            }
        }
    }

    /** Make the record say what replication says: a peer not in sync is Outdated before we write alone. */
    private void reconcileRecord(long now, List<Outgoing> msgs) {
        ClusterRecord next = record;
        List<String> why = new ArrayList<>();
        for (var e : replication.entrySet()) {
            int peer = e.getKey();
            if (peer == me.id() || config.find(peer).isEmpty() || !config.node(peer).isData()) continue;
            boolean inSync = e.getValue();
            if (!inSync && next.dataState(peer).upToDate()) {
                next = next.withDataState(peer, DataState.outdatedSince(term));
                why.add(config.name(peer) + " Outdated (replication lost)");
            } else if (inSync && !next.dataState(peer).upToDate()) {
                next = next.withDataState(peer, DataState.UP_TO_DATE);
                why.add(config.name(peer) + " UpToDate (resynced)");
            }
        }
        if (next != record) propose(next.next(term, String.join(", ", why)), now, msgs);
    }

    private void updateServing(long now, List<Decision> decs) {
        boolean may = role == Role.LEADER && lease != null
                && !record.isStandby(me.id())
                && now < lease.validUntil() - t.stopMarginMs() * MS
                && committed.version().atLeast(electedAt)
                && handover == null;
        if (may == serving && (!may || serveTerm == term)) return;
        String reason;
        if (may) {
            reason = "lease in term " + term + " until +" + (lease.validUntil() - now) / MS + " ms";
        } else if (role != Role.LEADER) {
            reason = "no longer master in term " + serveTerm;
        } else if (handover != null) {
            reason = handover.reason;
        } else {
            reason = "lease in term " + term + " not renewed by a majority; "
                    + (lease.validUntil() - now) / MS + " ms left";
        }
        serving = may;
        serveTerm = term;
        decs.add(new Decision.ServeChanged(may, term, reason));
    }

    // ---------------------------------------------------------------- intents

    private void intent(long now, int origin, long requestId, Intent intent, List<Outgoing> msgs,
                        List<Decision> decs) {
        if (role != Role.LEADER) {
            if (origin != me.id()) {
                reply(origin, requestId, false, "not master" + (leader != 0 ? "; master is " + config.name(leader) : ""),
                        msgs, decs);
            } else if (leader != 0 && detector.up(leader)) {
                forwarded.put(requestId, now + (t.handoverTimeoutMs() + t.leaseMs()) * MS);
                for (int l = 0; l < config.node(leader).links(); l++)
                    msgs.add(new Outgoing(leader, l, new Message.IntentRequest(requestId, intent)));
            } else {
                decs.add(new Decision.IntentResult(requestId, false, "no master is known (no quorum?)"));
            }
            return;
        }
        if (intent instanceof Intent.Maintenance m) {
            if (record.maintenance() == m.on()) {
                reply(origin, requestId, true, "maintenance is already " + (m.on() ? "on" : "off"), msgs, decs);
            } else {
                changeRecord(record.withMaintenance(m.on()), "maintenance " + (m.on() ? "on" : "off"),
                        origin, requestId, now, msgs);
            }
        } else if (intent instanceof Intent.Unstandby u) {
            if (config.find(u.node()).isEmpty()) {
                reply(origin, requestId, false, "unknown node " + u.node(), msgs, decs);
            } else if (!record.isStandby(u.node())) {
                reply(origin, requestId, true, config.name(u.node()) + " is not in standby", msgs, decs);
            } else {
                changeRecord(record.withStandby(u.node(), false), config.name(u.node()) + " out of standby",
                        origin, requestId, now, msgs);
            }
        } else if (intent instanceof Intent.Standby s) {
            if (config.find(s.node()).isEmpty() || !config.node(s.node()).isData()) {
                reply(origin, requestId, false, "no data node " + s.node(), msgs, decs);
            } else if (record.isStandby(s.node())) {
                reply(origin, requestId, true, config.name(s.node()) + " is already in standby", msgs, decs);
            } else if (s.node() == me.id()) {
                int target = chooseTarget(0);
                if (target == 0) {
                    reply(origin, requestId, false, "no other node can take over: none is up, UpToDate and "
                            + "out of standby", msgs, decs);
                } else {
                    record = record.next(term, config.name(me.id()) + " to standby").withStandby(me.id(), true);
                    proposals.put(record.version(), record);
                    dirty = true;
                    startHandover(now, target, origin, requestId,
                            "standby of " + config.name(me.id()) + ": handing over to " + config.name(target), decs);
                    sendHeartbeat(now, msgs);
                }
            } else {
                changeRecord(record.withStandby(s.node(), true), config.name(s.node()) + " to standby",
                        origin, requestId, now, msgs);
            }
        } else if (intent instanceof Intent.Switchover sw) {
            if (handover != null) {
                reply(origin, requestId, false, "a switchover to " + config.name(handover.target)
                        + " is already under way", msgs, decs);
            } else if (sw.target() == me.id()) {
                reply(origin, requestId, false, "already master", msgs, decs);
            } else {
                String bad = sw.target() == 0 ? null : targetProblem(sw.target());
                int target = bad == null ? chooseTarget(sw.target()) : 0;
                if (target == 0) {
                    reply(origin, requestId, false, bad != null ? bad
                            : "no other node can take over: none is up, UpToDate and out of standby", msgs, decs);
                } else {
                    startHandover(now, target, origin, requestId, "switchover to " + config.name(target), decs);
                }
            }
        }
    }

    private void changeRecord(ClusterRecord content, String reason, int origin, long requestId, long now,
                              List<Outgoing> msgs) {
        ClusterRecord next = content.next(term, reason);
        pendingReplies.add(new PendingReply(next.version(), origin, requestId, reason + ": committed"));
        propose(next, now, msgs);
    }

    private String targetProblem(int target) {
        if (config.find(target).isEmpty()) return "unknown node " + target;
        NodeSpec n = config.node(target);
        if (!n.isData()) return n.name() + " is a witness: it cannot be master";
        if (!detector.up(target)) return n.name() + " is not reachable";
        if (record.isOutdated(target)) return n.name() + " is Outdated: promoting it would lose data";
        if (record.isStandby(target)) return n.name() + " is in standby";
        if (Boolean.FALSE.equals(replication.get(target))) return n.name() + " is not in sync with the master";
        return null;
    }

    private int chooseTarget(int wanted) {
        if (wanted != 0) return targetProblem(wanted) == null ? wanted : 0;
        for (NodeSpec n : config.nodes())
            if (n.id() != me.id() && targetProblem(n.id()) == null) return n.id();
        return 0;
    }

    private void startHandover(long now, int target, int origin, long requestId, String reason,
                               List<Decision> decs) {
        handover = new Handover(target, now + t.handoverTimeoutMs() * MS, origin, requestId, reason);
        decs.add(new Decision.Release(target, reason));
        updateServing(now, decs);
    }

    private void resourcesFailed(long now, String reason, boolean beforeServing, List<Outgoing> msgs, List<Decision> decs) {
        // a node whose resources just failed does not stand again for a while, so the role does not
        // ping-pong between a broken node and a good one. When no node can serve (data neither can start
        // mysqld from), the nodes take turns failing before they serve: a failed start soon after the last,
        // with the peer failing in between, doubles the wait, so they stop taking turns every few seconds.
        // A failure after serving is news, not a repeat: back to the first wait.
        boolean inStreak = beforeServing && peerFailedSinceMine && backoffUntil != Long.MIN_VALUE
                && now - backoffUntil <= RESOURCE_STREAK_FORGET_LEASES * t.leaseMs() * MS;
        peerFailedSinceMine = false;
        failureStreak = inStreak ? failureStreak + 1 : 1;
        long leases = Math.min(RESOURCE_BACKOFF_MAX_LEASES, RESOURCE_BACKOFF_LEASES << Math.min(failureStreak - 1, 20));
        backoffUntil = now + leases * t.leaseMs() * MS;
        if (role != Role.LEADER || handover != null) return;
        // the reason goes into the record, so every node's history shows why the master moved
        String streak = failureStreak > 1 ? " (" + failureStreak + " failures in a row: not standing for "
                + leases * t.leaseMs() / 1000.0 + " s while another node can serve)" : "";
        propose(record.next(term, config.name(me.id()) + CANNOT_SERVE + reason + streak), now, msgs);
        int target = chooseTarget(0);
        if (target != 0)
            startHandover(now, target, me.id(), 0, "resources failed (" + reason + "): handing over to "
                    + config.name(target), decs);
    }

    /** Notes a record that says another data node gave the role up because its resources failed. */
    private void sawRecord(ClusterRecord r) {
        for (NodeSpec n : config.nodes())
            if (n.id() != me.id() && n.isData() && r.lastReason().startsWith(config.name(n.id()) + CANNOT_SERVE))
                peerFailedSinceMine = true;
    }

    private void released(long now, List<Outgoing> msgs, List<Decision> decs) {
        if (role != Role.LEADER || handover == null) return;
        Handover h = handover;
        if (targetProblem(h.target) != null) {
            reply(h.origin, h.requestId, false, "switchover abandoned: " + targetProblem(h.target), msgs, decs);
            handover = null;
            return;
        }
        // Resources are down: give the lease up and tell the target to stand now.
        lease.release();
        role = Role.FOLLOWER;
        lease = null;
        handover = null;
        leader = 0;
        promiseUntil = now;
        promisedTo = 0;
        electionDeadline = now + 2 * t.failureTimeoutMs() * MS + jitter();
        decs.add(new Decision.LeaderChanged(term, 0, h.reason + ": resources released, lease given up"));
        for (int l = 0; l < config.node(h.target).links(); l++)
            msgs.add(new Outgoing(h.target, l, new Message.TimeoutNow(term)));
        broadcast(new Message.LeaseReleased(term), msgs);
        failPendingReplies("master handed over before the change was committed; retry", decs);
        reply(h.origin, h.requestId, true, h.reason + ": old master released its resources", msgs, decs);
    }

    private void reply(int origin, long requestId, boolean ok, String message, List<Outgoing> msgs,
                       List<Decision> decs) {
        if (requestId == 0) return; // a hand-over the node started itself: nobody waits for an answer
        if (origin == me.id()) {
            decs.add(new Decision.IntentResult(requestId, ok, message));
        } else {
            for (int l = 0; l < config.node(origin).links(); l++)
                msgs.add(new Outgoing(origin, l, new Message.IntentReply(requestId, ok, message)));
        }
    }

    private void failPendingReplies(String why, List<Decision> decs) {
        // only the local ones can be answered without sending; remote origins time out on their side
        for (PendingReply pr : pendingReplies)
            if (pr.origin == me.id()) decs.add(new Decision.IntentResult(pr.requestId, false, why));
        pendingReplies.clear();
    }

    private void expireForwarded(long now, List<Decision> decs) {
        Iterator<Map.Entry<Long, Long>> it = forwarded.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (now >= e.getValue()) {
                it.remove();
                decs.add(new Decision.IntentResult(e.getKey(), false, "no answer from the master"));
            }
        }
    }

    // ---------------------------------------------------------------- fencing

    private void maybeFence(long now, List<Decision> decs) {
        if (!config.twoNodeMode() || !me.isData() || fencing != 0 || now < nextFenceAttempt) return;
        if (record.isStandby(me.id()) || (record.isOutdated(me.id()) && force == null)) return;
        for (NodeSpec n : config.nodes()) {
            if (n.id() == me.id() || fenced.contains(n.id())) continue;
            Long down = detector.downSince(n.id());
            if (down == null) continue;
            // wait for all since start: a node that comes back must not fence the one that carried on, nor
            // take over while the peer has told it of a newer record than its own (it may be Outdated there)
            if (!freshSinceStart.contains(n.id())) return;
            RecordVersion peerHas = peerRecord.get(n.id());
            if (peerHas != null && peerHas.newerThan(record.version())) return;
            // the master fences at once; the other waits its delay, so the two do not fence each other
            long delay = record.master() == me.id() ? 0 : me.fenceDelayMs();
            if (now - down < delay * MS) return;
            String reason = n.name() + " silent for " + detector.silentMs(n.id(), now) + " ms and no majority without it";
            if (config.unsafeNoFencing() && !config.fencing()) {
                fenced.add(n.id());
                decs.add(new Decision.FencePeer(n.id(), reason + " (unsafe: no fencing configured, assumed down)"));
                if (promisedTo == n.id()) promiseUntil = now;
                if (lease != null) lease.creditsChanged(now, fenced);
            } else {
                fencing = n.id();
                decs.add(new Decision.FencePeer(n.id(), reason));
            }
            return;
        }
    }

    private void fenceOutcome(Input.FenceOutcome fo, List<Decision> decs) {
        if (fo.peer() != fencing) return;
        fencing = 0;
        if (fo.fenced()) {
            fenced.add(fo.peer());
            // the peer is powered off: whatever it was promised is void
            if (promisedTo == fo.peer()) promiseUntil = fo.now();
            if (lease != null) lease.creditsChanged(fo.now(), fenced);
        } else {
            nextFenceAttempt = fo.now() + t.fenceRetryMs() * MS;
        }
    }

    // ---------------------------------------------------------------- helpers

    private void broadcast(Message m, List<Outgoing> msgs) {
        for (NodeSpec n : config.nodes()) {
            if (n.id() == me.id()) continue;
            for (int l = 0; l < n.links(); l++) msgs.add(new Outgoing(n.id(), l, m));
        }
    }

    private int votesFor(Set<Integer> ids) {
        int n = 0;
        for (NodeSpec s : config.nodes()) if (ids.contains(s.id()) || fenced.contains(s.id())) n += s.votes();
        return n;
    }

    private int reachableVotes() {
        int n = me.votes();
        for (NodeSpec s : config.nodes())
            if (s.id() != me.id() && (detector.up(s.id()) || fenced.contains(s.id()))) n += s.votes();
        return n;
    }

    private void updateQuorum(List<Decision> decs) {
        int v = reachableVotes();
        boolean q = v >= config.quorum();
        if (q != quorate) {
            quorate = q;
            decs.add(new Decision.QuorumChanged(q, v, config.quorum()));
        }
    }

    private long jitter() {
        long j = t.electionJitterMs() <= 0 ? 0 : (long) (random.nextDouble() * t.electionJitterMs());
        // the node the record names as master stands first: a restart keeps the master where it was;
        // a node in standby stands last
        if (record != null && record.master() == me.id()) j /= 4;
        if (record != null && record.isStandby(me.id())) j += t.failureTimeoutMs();
        return j * MS;
    }

    private PersistentState persistentState() {
        int vote = flaws.contains(Flaw.VOTE_NOT_PERSISTED) && votedFor != me.id() ? 0 : votedFor;
        return new PersistentState(term, vote, record);
    }

    private long voterWaitNanos() {
        return (flaws.contains(Flaw.NO_DRIFT_MARGIN) ? t.leaseMs() : t.voterWaitMs()) * MS;
    }

    // ---------------------------------------------------------------- queries

    public int id() {
        return me.id();
    }

    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    /** The master this node follows, itself when it is master, 0 when none is known. */
    public int leader() {
        return leader;
    }

    public boolean serving() {
        return serving;
    }

    /**
     * While serving, the moment (the clock of {@link Input#now()}) at which this node stops serving unless a
     * renewal extends its lease first: the lease's end less the stop margin. {@link Long#MIN_VALUE} when it
     * does not serve.
     */
    public long servingUntil() {
        return serving && lease != null ? lease.validUntil() - t.stopMarginMs() * MS : Long.MIN_VALUE;
    }

    /** Whether this node holds a valid lease at {@code now} (its own clock). */
    public boolean leaseValid(long now) {
        return role == Role.LEADER && lease != null && lease.valid(now);
    }

    /** Lease time left in ms (0 when none). */
    public long leaseRemainingMs(long now) {
        return leaseValid(now) ? (lease.validUntil() - now) / MS : 0;
    }

    /**
     * The earliest time after {@code now} at which a {@link Input.Tick} could change anything: a heartbeat or
     * ping due, a link timing out, the election timer, a vote promise running out, the lease's stop time or
     * end, a forwarded intent or hand-over expiring, a fence retry. A shell may sleep until then.
     */
    public long nextDeadline(long now) {
        long[] c = {Long.MAX_VALUE};
        java.util.function.LongConsumer at = x -> {
            if (x > now && x < c[0]) c[0] = x;
        };
        at.accept(detector.nextTimeout(now));
        if (role == Role.LEADER) {
            at.accept(nextHeartbeat);
            if (lease != null) {
                at.accept(lease.validUntil() - t.stopMarginMs() * MS);
                at.accept(lease.validUntil());
            }
            if (handover != null) at.accept(handover.deadline);
        } else {
            at.accept(nextPing);
            at.accept(electionDeadline);
            at.accept(promiseUntil);
            if (leader != 0) at.accept(lastLeaderContact + t.failureTimeoutMs() * MS);
            at.accept(backoffUntil);
        }
        at.accept(nextFenceAttempt);
        if (force != null) at.accept(force.deadline);
        for (long f : forwarded.values()) at.accept(f);
        return c[0] == Long.MAX_VALUE ? now + t.heartbeatMs() * MS : c[0];
    }

    /** Why this node is not standing for master right now (null when it is master or may stand). */
    /** When this node's back-off after a resource failure ends (tests). */
    long backoffUntil() {
        return backoffUntil;
    }

    public String whyNotCandidate(long now) {
        if (role == Role.LEADER) return null;
        String why = ineligible(now, false);
        if (why == null && leader != 0) return "following " + config.name(leader);
        if (why == null && now < electionDeadline) return "election timer " + (electionDeadline - now) / MS + " ms";
        return why;
    }

    public ClusterRecord record() {
        return record;
    }

    /** Whether this node is master in this term because an operator forced its promotion. */
    public boolean forcedMaster() {
        return role == Role.LEADER && forcedTerm == term;
    }

    /** Whether an operator's forced promotion is waiting to be won here. */
    public boolean forcePending() {
        return force != null;
    }

    /** The newest record this node knows to be committed. */
    public ClusterRecord committedRecord() {
        return committed;
    }

    /**
     * Whether this master may write without {@code peer}: the committed record says the peer is Outdated and
     * no newer proposal (say, one marking it resynced) is in flight. The answer DRBD's fence-peer handler needs.
     */
    public boolean peerConfirmedOutdated(int peer) {
        if (role != Role.LEADER || !committed.isOutdated(peer)) return false;
        // a proposal in flight that marks it UpToDate may already be on a majority's disks: not yet safe
        for (var e : proposals.tailMap(committed.version(), false).values())
            if (!e.isOutdated(peer)) return false;
        return record.isOutdated(peer);
    }

    public boolean quorate() {
        return quorate;
    }

    public boolean peerUp(int peer) {
        return detector.up(peer);
    }

    public boolean linkUp(int peer, int link) {
        return detector.linkUp(peer, link);
    }

    public boolean fenced(int peer) {
        return fenced.contains(peer);
    }

    public ClusterConfig config() {
        return config;
    }
}
