package io.hadb.testbed.lb;

/**
 * The per-backend state machine of Azure's probe rules: a backend starts down; N consecutive
 * successes mark it up; N consecutive silent probes mark it down; a refusal, a reset or an HTTP
 * answer other than 200 marks it down at once. Not thread-safe: one backend's timer owns it.
 */
final class ProbeThreshold {
    private final int threshold;
    private boolean up;
    private int successes;
    private int failures;

    ProbeThreshold(int threshold) {
        if (threshold < 1) throw new IllegalArgumentException("threshold " + threshold + " must be at least 1");
        this.threshold = threshold;
    }

    /** Counts one result; returns true when it changed the backend's state (see {@link #up()}). */
    boolean record(ProbeResult.Outcome outcome) {
        switch (outcome) {
            case SUCCESS -> {
                failures = 0;
                successes++;
                if (!up && successes >= threshold) {
                    up = true;
                    return true;
                }
            }
            case SILENT -> {
                successes = 0;
                failures++;
                if (up && failures >= threshold) {
                    up = false;
                    return true;
                }
            }
            case FAILED_AT_ONCE -> {
                successes = 0;
                failures++;
                if (up) {
                    up = false;
                    return true;
                }
            }
        }
        return false;
    }

    boolean up() {
        return up;
    }

    /** Consecutive results of the latest kind (successes, or failures of either kind). */
    int streak() {
        return Math.max(successes, failures);
    }
}
