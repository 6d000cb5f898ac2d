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
        n.step(new Input.ResourcesFailed(0, "mysqld failed"));
        // peers are heard, the restart wait is over, no master: still it does not stand
        for (long t = 0; t < 5000; t += 10) {
            n.step(new Input.Received(t * MS, 3, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 9, 0)));
            n.step(new Input.Received(t * MS, 2, 0, new Message.Ping(1, 0, new RecordVersion(1, 1), 8, 0)));
            n.step(new Input.Tick(t * MS));
        }
        assertEquals("backing off after a resource failure", n.whyNotCandidate(5000 * MS));
    }

    @Test
    void aNodeBackingOffStandsAnywayWhenNoOtherCanServe() {
        Node n = new Node(config, 1, state(1, record(1, 1).withDataState(2, DataState.outdatedSince(1))), 0, 7);
        n.step(new Input.ResourcesFailed(0, "mysqld failed"));
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
}
