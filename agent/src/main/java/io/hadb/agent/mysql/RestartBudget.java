package io.hadb.agent.mysql;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * At most limit restarts within any sliding window: a crash loop is given up on, and the node
 * gives the master role away, instead of restarting forever. Not thread-safe; the driver
 * serialises its calls.
 */
public final class RestartBudget {
    private final int limit;
    private final Duration window;
    private final Deque<Instant> restarts = new ArrayDeque<>();

    public RestartBudget(int limit, Duration window) {
        if (limit < 0) throw new IllegalArgumentException("restart limit must be 0 or more, got " + limit);
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("restart window must be positive, got " + window);
        }
        this.limit = limit;
        this.window = window;
    }

    /** Records a restart at now if the budget allows one. @return whether the restart may happen */
    public boolean tryConsume(Instant now) {
        forgetBefore(now);
        if (restarts.size() >= limit) return false;
        restarts.addLast(now);
        return true;
    }

    /** Restarts counted in the window ending at now. */
    public int used(Instant now) {
        forgetBefore(now);
        return restarts.size();
    }

    public int limit() {
        return limit;
    }

    public Duration window() {
        return window;
    }

    /** Forgets every restart, e.g. after an operator's deliberate stop and start. */
    public void reset() {
        restarts.clear();
    }

    private void forgetBefore(Instant now) {
        Instant horizon = now.minus(window);
        while (!restarts.isEmpty() && !restarts.peekFirst().isAfter(horizon)) restarts.removeFirst();
    }
}
