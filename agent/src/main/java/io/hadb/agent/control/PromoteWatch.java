package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a forced promotion through successive status answers of the local agent, as {@link SwitchoverWatch}
 * does a switchover: this node stands for election, wins it, its forced record is committed (it serves), and
 * — when it runs resources — its probe is healthy. Pure: the caller feeds statuses and the answer.
 */
public final class PromoteWatch implements StepWatch {
    private final String self;
    private final StepClock clock;
    private boolean standing;
    private boolean won;
    private boolean committed;
    private boolean done;

    public PromoteWatch(String self, long startNanos) {
        this.self = self;
        this.clock = new StepClock(startNanos);
    }

    /** The agent answered: the forced election is won. */
    @Override
    public List<String> accepted(String message, long now) {
        won = true;
        return List.of(line(now, self + " " + message));
    }

    @Override
    public List<String> observe(JsonNode s, long now) {
        List<String> out = new ArrayList<>();
        if (!standing && s.path("forcePending").asBoolean(false)) {
            standing = true;
            out.add(line(now, self + " stands for election despite its Outdated copy (term " + s.path("term").asLong() + ")"));
        }
        String recMaster = s.path("record").path("master").isNull() ? null : s.path("record").path("master").asText(null);
        if (won && !committed && self.equals(recMaster) && s.path("forcedMaster").asBoolean(false)) {
            committed = true;
            out.add(line(now, "forced record committed (" + s.path("record").path("reason").asText() + "): " + self
                    + " serves" + (s.has("resources") ? ", starting its resources" : "")));
            if (!s.has("resources")) done = true;
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

    private String line(long now, String what) {
        return clock.line(now, what);
    }
}
