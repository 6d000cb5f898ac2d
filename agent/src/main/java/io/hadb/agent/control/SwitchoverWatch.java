package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a switchover through successive status answers of the local agent and names each step as it is
 * seen, with the time since the request and since the step before: the old master stops serving, releases
 * its resources, a new master is elected, its election is committed (it serves), and — when this node is the
 * new master and runs resources — its probe is healthy. Pure: the caller feeds statuses and the answer.
 */
public final class SwitchoverWatch implements StepWatch {
    private final String oldMaster;
    private final String self;
    private final StepClock clock;
    private boolean stoppedServing;
    private boolean released;
    private String elected;
    private boolean committed;
    private boolean done;

    public SwitchoverWatch(JsonNode before, long startNanos) {
        this.oldMaster = before.path("leader").isNull() ? null : before.path("leader").asText(null);
        this.self = before.path("node").asText();
        this.clock = new StepClock(startNanos);
    }

    public String oldMaster() {
        return oldMaster;
    }

    /** The protocol accepted: the old master has released its resources and given its lease up. */
    @Override
    public List<String> accepted(String message, long now) {
        List<String> out = new ArrayList<>();
        if (!released) {
            released = true;
            out.add(line(now, "old master " + (oldMaster == null ? "" : oldMaster + " ") + "released its resources ("
                    + message + ")"));
        }
        return out;
    }

    @Override
    public List<String> observe(JsonNode s, long now) {
        List<String> out = new ArrayList<>();
        if (self.equals(oldMaster) && !stoppedServing && !s.path("serving").asBoolean(true)) {
            stoppedServing = true;
            out.add(line(now, self + " stopped serving: probe closed, releasing mysqld, filesystem, DRBD"));
        }
        String leader = s.path("leader").isNull() ? null : s.path("leader").asText(null);
        if (elected == null && leader != null && !leader.equals(oldMaster)) {
            elected = leader;
            out.add(line(now, leader + " elected master in term " + s.path("term").asLong()));
        }
        String recMaster = s.path("record").path("master").isNull() ? null : s.path("record").path("master").asText(null);
        if (elected != null && !committed && elected.equals(recMaster)) {
            committed = true;
            out.add(line(now, elected + " is master in the committed record: it serves"
                    + (elected.equals(self) && s.has("resources") ? ", starting its resources" : "")));
            if (!(elected.equals(self) && s.has("resources"))) done = true;
        }
        if (committed && !done && "healthy".equals(s.path("resources").path("probe").asText())) {
            done = true;
            out.add(line(now, "probe healthy on " + self + ": new master serving clients"));
        }
        return out;
    }

    @Override
    public boolean done() {
        return done;
    }

    public String newMaster() {
        return elected;
    }

    private String line(long now, String what) {
        return clock.line(now, what);
    }
}
