package io.hadb.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Single steps of one node, without a network: what it persists and sends in answer to one input. */
class NodeTest {
    private static final long MS = 1_000_000L;
    private final ClusterConfig config = SimTopology.WITNESS.config(Timings.defaults(), false);

    private static PersistentState state(long term, ClusterRecord r) {
        return new PersistentState(term, 0, r);
    }

    private static ClusterRecord record(long term, long index) {
        return new ClusterRecord(new RecordVersion(term, index), 0, java.util.Map.of(), java.util.Set.of(), false, "");
    }

    @Test
    void aVoteIsPersistedInTheSameStepThatSendsIt() {
        Node n = new Node(config, 3, state(1, record(1, 1)), 0, 7);
        long later = 2000 * MS; // past the wait after start
        Output out = n.step(new Input.Received(later, 1, 0, new Message.VoteRequest(2, new RecordVersion(1, 1), 0, false)));
        var answer = out.messages().stream().filter(o -> o.message() instanceof Message.VoteResponse).findFirst().orElseThrow();
        assertTrue(((Message.VoteResponse) answer.message()).granted());
        assertNotNull(out.persist(), "a granted vote must be persisted before it is sent");
        assertEquals(2, out.persist().term());
        assertEquals(1, out.persist().votedFor());
    }

    @Test
    void aRestartedNodeDoesNotVoteUntilItsForgottenPromiseHasRunOut() {
        Node n = new Node(config, 3, state(1, record(1, 1)), 0, 7);
        Output out = n.step(new Input.Received(100 * MS, 1, 0, new Message.VoteRequest(2, new RecordVersion(1, 1), 0, false)));
        assertFalse(((Message.VoteResponse) out.messages().get(0).message()).granted());
        assertEquals(1, n.term(), "a refused request must not even move the term");
    }

    @Test
    void aCandidateWithAnOlderRecordLoses() {
        Node n = new Node(config, 3, state(3, record(3, 5)), 0, 7);
        Output out = n.step(new Input.Received(2000 * MS, 1, 0, new Message.VoteRequest(4, new RecordVersion(2, 9), 0, false)));
        assertFalse(((Message.VoteResponse) out.messages().get(0).message()).granted());
    }

    @Test
    void anOutdatedNodeDoesNotStand() {
        ClusterRecord r = record(2, 3).withDataState(1, DataState.outdatedSince(2));
        Node n = new Node(config, 1, state(2, r), 0, 7);
        for (long t = 0; t < 5000; t += 10) n.step(new Input.Tick(t * MS));
        assertEquals("data Outdated", n.whyNotCandidate(5000 * MS));
        assertEquals(2, n.term());
    }

    @Test
    void aWitnessNeverStands() {
        Node n = new Node(config, 3, PersistentState.INITIAL, 0, 7);
        List<Decision> all = new java.util.ArrayList<>();
        for (long t = 0; t < 5000; t += 10) all.addAll(n.step(new Input.Tick(t * MS)).decisions());
        assertTrue(all.stream().noneMatch(d -> d instanceof Decision.ElectionStarted));
    }

    @Test
    void ticksOnlyAtTheNextDeadlineMissNothing() {
        Node n = new Node(config, 1, PersistentState.INITIAL, 0, 7);
        long t = 0;
        int pings = 0;
        while (t < 3000 * MS) {
            Output o = n.step(new Input.Tick(t));
            pings += (int) o.messages().stream().filter(m -> m.message() instanceof Message.Ping).count();
            long next = n.nextDeadline(t);
            assertTrue(next > t, "the next deadline lies ahead");
            // nothing happens between deadlines
            if (next - 1 > t) assertTrue(n.step(new Input.Tick(next - 1)).messages().isEmpty());
            t = next;
        }
        long beats = 3000 / Timings.defaults().heartbeatMs();
        // a ping to each of the two peers every heartbeat, none skipped by sleeping until the deadline
        assertTrue(pings >= 2 * (beats - 1), "pings: " + pings + " for " + beats + " heartbeats");
    }

    @Test
    void aNodeWhoseResourcesFailedDoesNotStandForAWhile() {
        Node n = new Node(config, 1, state(1, record(1, 1)), 0, 7);
        n.step(new Input.ResourcesFailed(0, "mysqld failed", false));
        // peers are heard, the restart wait is over, no master: still it does not stand
        for (long t = 0; t < 5000; t += 10) {
            n.step(new Input.Received(t * MS, 3, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 9, 0)));
            n.step(new Input.Received(t * MS, 2, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 8, 0)));
            n.step(new Input.Tick(t * MS));
        }
        assertEquals("backing off after a resource failure", n.whyNotCandidate(5000 * MS));
    }

    @Test
    void failedStartsInARowDoubleTheBackOffAndAFailureAfterServingDoesNot() {
        Node n = new Node(config, 1, state(1, record(1, 1)), 0, 7);
        long lease = Timings.defaults().leaseMs();
        long first = Node.RESOURCE_BACKOFF_LEASES * lease;
        n.step(new Input.ResourcesFailed(0, "mysqld did not start", true));
        assertEquals(first, backOffMs(n, 0), "the first failure: the base wait");
        // its own second failed start, with no failure of the peer in between: not a streak
        long t = first * MS + 1_000 * MS;
        n.step(new Input.ResourcesFailed(t, "mysqld did not start", true));
        assertEquals(first, backOffMs(n, t));
        // the two nodes take turns failing to start (as with data neither can start mysqld from): each time the
        // peer's failure is in the record by then, and the wait doubles
        long expected = first;
        for (int turn = 2; turn <= 10; turn++) {
            t += backOffMs(n, t) * MS;
            peerCannotServe(n, t, turn);
            t += 2_000 * MS;
            n.step(new Input.ResourcesFailed(t, "mysqld did not start", true));
            expected = Math.min(2 * expected, Node.RESOURCE_BACKOFF_MAX_LEASES * lease);
            assertEquals(expected, backOffMs(n, t), "turn " + turn);
        }
        assertEquals(Node.RESOURCE_BACKOFF_MAX_LEASES * lease, expected, "capped");
        RecordVersion now = n.record().version();
        n.step(new Input.Received(t, 3, 0, new Message.Ping(1, 0, now, 9, 0)));
        n.step(new Input.Received(t, 2, 0, new Message.Ping(1, 0, now, 8, 0)));
        assertEquals("backing off after 10 resource failures in a row", n.whyNotCandidate(t + MS));
        // a failure after serving is news: the base wait again
        t += backOffMs(n, t) * MS;
        peerCannotServe(n, t, 11);
        n.step(new Input.ResourcesFailed(t + MS, "mysqld hung", false));
        assertEquals(first, backOffMs(n, t + MS));
        // and a failed start long after the last wait ended starts a new streak
        t += (first + Node.RESOURCE_STREAK_FORGET_LEASES * lease) * MS + 2 * MS;
        peerCannotServe(n, t, 12);
        n.step(new Input.ResourcesFailed(t, "mysqld did not start", true));
        assertEquals(first, backOffMs(n, t));
    }

    /** hadb02, master in term `term`, records that it gave the role up because its own resources failed. */
    private static void peerCannotServe(Node n, long now, long term) {
        ClusterRecord r = new ClusterRecord(new RecordVersion(term, 1), 2, java.util.Map.of(), java.util.Set.of(), false,
                "hadb02 cannot serve: mysqld did not start");
        n.step(new Input.Received(now, 2, 0, new Message.Heartbeat(term, 1, r, r.version(), 5, 0)));
    }

    private static long backOffMs(Node n, long now) {
        return (n.backoffUntil() - now) / MS;
    }

    @Test
    void aNodeBackingOffStandsAnywayWhenNoOtherCanServe() {
        Node n = new Node(config, 1, state(1, record(1, 1).withDataState(2, DataState.outdatedSince(1))), 0, 7);
        n.step(new Input.ResourcesFailed(0, "mysqld failed", false));
        boolean stood = false;
        for (long t = 0; t < 5000 && !stood; t += 10) {
            List<Decision> d = new java.util.ArrayList<>();
            d.addAll(n.step(new Input.Received(t * MS, 3, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 9, 0))).decisions());
            d.addAll(n.step(new Input.Received(t * MS, 2, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 8, 0))).decisions());
            d.addAll(n.step(new Input.Tick(t * MS)).decisions());
            stood = d.stream().anyMatch(x -> x instanceof Decision.ElectionStarted);
        }
        assertTrue(stood, "the only data node not Outdated must stand even while backing off: " + n.whyNotCandidate(5000 * MS));
    }

    // ---------------------------------------------------------------- forced promotion

    private static final String REFUSED_WITHOUT_FORCE = "this node is Outdated since term 2: promoting it would lose "
            + "the writes made since; add --force if the peer's data is gone";

    /** hadb01, Outdated since term 2 in its record, hears only the witness; hadb02 (the master) is gone. */
    private Node outdatedSurvivor() {
        ClusterRecord r = record(2, 3).withMaster(2).withDataState(1, DataState.outdatedSince(2));
        Node n = new Node(config, 1, state(2, r), 0, 7);
        hearWitness(n, 0, 3000);
        return n;
    }

    /** The witness pings {@code n} every 10 ms from {@code from} to {@code to} ms; the decisions made meanwhile. */
    private static List<Decision> hearWitness(Node n, long from, long to) {
        List<Decision> d = new java.util.ArrayList<>();
        for (long t = from; t < to; t += 10) {
            d.addAll(n.step(new Input.Received(t * MS, 3, 0, new Message.Ping(n.term(), 0, n.record().version(), 9, 0))).decisions());
            d.addAll(n.step(new Input.Tick(t * MS)).decisions());
        }
        return d;
    }

    private static <T> T only(List<?> items, Class<T> type) {
        List<T> found = items.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), "expected one " + type.getSimpleName() + " in " + items);
        return found.get(0);
    }

    /** The vote request sent (the same to every peer). */
    private static Message.VoteRequest voteRequest(Output o) {
        List<Message.VoteRequest> sent = o.messages().stream().map(Outgoing::message)
                .filter(m -> m instanceof Message.VoteRequest).map(m -> (Message.VoteRequest) m).distinct().toList();
        assertEquals(1, sent.size(), "one vote request to every peer: " + o.messages());
        return sent.get(0);
    }

    @Test
    void promoteWithoutForceIsRefusedWithTheSentence() {
        Node n = outdatedSurvivor();
        Output o = n.step(new Input.Promote(3000 * MS, 7, false, 30_000));
        Decision.IntentResult r = only(o.decisions(), Decision.IntentResult.class);
        assertFalse(r.accepted());
        assertEquals(REFUSED_WITHOUT_FORCE, r.message());
        assertEquals("data Outdated", n.whyNotCandidate(3000 * MS));
    }

    @Test
    void promoteOfANodeThatIsNotOutdatedPointsAtSwitchover() {
        Node n = new Node(config, 1, state(2, record(2, 3).withMaster(2)), 0, 7);
        hearWitness(n, 0, 3000);
        Decision.IntentResult r = only(n.step(new Input.Promote(3000 * MS, 7, true, 30_000)).decisions(),
                Decision.IntentResult.class);
        assertFalse(r.accepted());
        assertTrue(r.message().startsWith("hadb01 is not Outdated"), r.message());
        assertTrue(r.message().endsWith("use switchover --to hadb01"), r.message());
    }

    @Test
    void aForcedNodeStandsWithTheFlagAndItsFirstRecordGivesThePeerUp() {
        Node n = outdatedSurvivor();
        Output o = n.step(new Input.Promote(3000 * MS, 7, true, 30_000));
        only(o.decisions(), Decision.ForceStarted.class);
        only(o.decisions(), Decision.ElectionStarted.class);
        Message.VoteRequest vr = voteRequest(o);
        assertTrue(vr.force(), "the vote request must carry the force");
        assertEquals(n.term(), vr.term());
        Output won = n.step(new Input.Received(3001 * MS, 3, 0, new Message.VoteResponse(n.term(), true)));
        Decision.ForceEnded end = only(won.decisions(), Decision.ForceEnded.class);
        assertTrue(end.won());
        assertEquals(java.util.Set.of(2), end.givenUp());
        assertEquals(2, end.lostSinceTerm());
        assertTrue(n.isLeader());
        assertTrue(n.forcedMaster());
        ClusterRecord r = n.record();
        assertEquals(1, r.master());
        assertFalse(r.isOutdated(1), "the forced master is UpToDate in its first record");
        assertEquals(DataState.outdatedSince(n.term()), r.dataState(2));
        assertEquals("forced promotion by operator: writes since term 2 on hadb02 given up", r.lastReason());
        assertNotNull(won.persist(), "the forced record is persisted before it is sent");
        assertEquals(r, won.persist().record());
    }

    @Test
    void theForceIsConsumedOnceWon() {
        Node n = outdatedSurvivor();
        n.step(new Input.Promote(3000 * MS, 7, true, 30_000));
        n.step(new Input.Received(3001 * MS, 3, 0, new Message.VoteResponse(n.term(), true)));
        assertTrue(n.isLeader());
        assertFalse(n.forcePending());
        Decision.IntentResult again = only(n.step(new Input.Promote(3002 * MS, 8, true, 30_000)).decisions(),
                Decision.IntentResult.class);
        assertEquals("already master", again.message());
        // deposed by a newer term, it is an ordinary node again: no more forced requests
        long t = n.term();
        n.step(new Input.Received(3010 * MS, 3, 0, new Message.VoteRequest(t + 5, n.record().version(), 0, false)));
        assertFalse(n.isLeader() && n.term() > t, "the newer term deposes it");
    }

    @Test
    void theWindowEndsWithoutAWinAndTheForceIsSpent() {
        Node n = outdatedSurvivor();
        n.step(new Input.Promote(3000 * MS, 7, true, 2_000));
        long termAfterStanding = n.term();
        // the witness never answers the vote: the window runs out
        List<Decision> d = hearWitness(n, 3010, 5100);
        Decision.ForceEnded end = only(d, Decision.ForceEnded.class);
        assertFalse(end.won());
        assertEquals(7, end.requestId());
        assertTrue(end.reason().startsWith("forced promotion not won within 2000 ms"), end.reason());
        assertFalse(n.forcePending());
        assertFalse(n.isLeader());
        // the Outdated mark rules again: no further election
        List<Decision> later = hearWitness(n, 5100, 9000);
        assertTrue(later.stream().noneMatch(x -> x instanceof Decision.ElectionStarted), "stood again after the window");
        assertEquals("data Outdated", n.whyNotCandidate(9000 * MS));
        assertTrue(n.term() >= termAfterStanding);
        // a late vote for the forced term makes nothing of it
        n.step(new Input.Received(9001 * MS, 3, 0, new Message.VoteResponse(n.term(), true)));
        assertFalse(n.isLeader(), "an Outdated node must not win after its window");
    }

    @Test
    void promoteIsRefusedWhileAMasterIsHeard() {
        Node n = outdatedSurvivor();
        ClusterRecord r = n.record();
        n.step(new Input.Received(3000 * MS, 2, 0, new Message.Heartbeat(2, 1, r, r.version(), 5, 0)));
        Decision.IntentResult res = only(n.step(new Input.Promote(3001 * MS, 7, true, 30_000)).decisions(),
                Decision.IntentResult.class);
        assertFalse(res.accepted());
        assertEquals("hadb02 is master: use switchover", res.message());
    }

    @Test
    void aHeartbeatDuringTheWindowAbandonsTheForce() {
        Node n = outdatedSurvivor();
        n.step(new Input.Promote(3000 * MS, 7, true, 30_000));
        ClusterRecord r = n.record();
        Output o = n.step(new Input.Received(3005 * MS, 2, 0, new Message.Heartbeat(n.term(), 1, r, r.version(), 5, 0)));
        Decision.ForceEnded end = only(o.decisions(), Decision.ForceEnded.class);
        assertFalse(end.won());
        assertTrue(end.reason().startsWith("hadb02 is master"), end.reason());
        assertFalse(n.forcePending());
    }

    @Test
    void aVoterGrantsAForcedRequestDespiteTheOutdatedMarkAndSaysSo() {
        ClusterRecord r = record(2, 3).withDataState(1, DataState.outdatedSince(2));
        Node w = new Node(config, 3, state(2, r), 0, 7);
        Output plain = w.step(new Input.Received(3000 * MS, 1, 0, new Message.VoteRequest(3, r.version(), 0, false)));
        assertFalse(only(plain.messages().stream().map(Outgoing::message).toList(), Message.VoteResponse.class).granted(),
                "without the force an Outdated candidate loses");
        Output forced = w.step(new Input.Received(3001 * MS, 1, 0, new Message.VoteRequest(4, r.version(), 0, true)));
        assertTrue(only(forced.messages().stream().map(Outgoing::message).toList(), Message.VoteResponse.class).granted());
        assertTrue(only(forced.decisions(), Decision.Voted.class).forced());
        assertEquals(1, forced.persist().votedFor());
    }

    @Test
    void aForcedRequestWithAnOlderRecordStillLoses() {
        ClusterRecord r = record(2, 5).withDataState(1, DataState.outdatedSince(2));
        Node w = new Node(config, 3, state(2, r), 0, 7);
        Output o = w.step(new Input.Received(3000 * MS, 1, 0, new Message.VoteRequest(3, new RecordVersion(2, 4), 0, true)));
        assertFalse(only(o.messages().stream().map(Outgoing::message).toList(), Message.VoteResponse.class).granted());
    }

    @Test
    void aForcedRequestIsRefusedWhileTheVoterIsPromisedToALiveMaster() {
        ClusterRecord r = record(2, 3).withMaster(2).withDataState(1, DataState.outdatedSince(2));
        Node w = new Node(config, 3, state(2, r), 0, 7);
        // the master renews at 3000 ms: the witness promises it its vote
        w.step(new Input.Received(3000 * MS, 2, 0, new Message.Heartbeat(2, 1, r, r.version(), 5, 0)));
        Output o = w.step(new Input.Received(3100 * MS, 1, 0, new Message.VoteRequest(3, r.version(), 0, true)));
        assertFalse(only(o.messages().stream().map(Outgoing::message).toList(), Message.VoteResponse.class).granted());
        assertEquals(2, w.term(), "a refused forced request must not even move the term");
    }
}
