package io.hadb.agent.control;

import java.util.Locale;

/** Stamps a watched step with the time since the request and since the step before ("+1.212s  (0.031s)"). */
final class StepClock {
    private final long start;
    private long last;

    StepClock(long startNanos) {
        this.start = startNanos;
        this.last = startNanos;
    }

    String line(long now, String what) {
        String l = String.format(Locale.ROOT, "%9s %9s  %s", "+" + StatusView.millis(now - start),
                "(" + StatusView.millis(now - last) + ")", what);
        last = now;
        return l;
    }
}
