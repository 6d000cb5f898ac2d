package io.hadb.protocol;

/**
 * Protocol timings, in milliseconds. What each one trades is documented in the README.
 *
 * @param heartbeatMs        interval between heartbeats to every peer on every link
 * @param failureTimeoutMs   a link is down after this long without a valid datagram from the peer
 * @param leaseMs            how long a master's lease lasts, counted from when it sent the renewal that a
 *                           majority acknowledged
 * @param stopMarginMs       a master stops serving this long before its lease ends, so that the probe is
 *                           closed and mysqld stopped in time
 * @param maxClockDrift      bound on the clock-rate difference between any two nodes (0.01 = 1 %); voters
 *                           wait for {@link #voterWaitMs()} instead of the lease
 * @param electionJitterMs   random extra wait before standing for election, so two candidates rarely collide
 * @param handoverTimeoutMs  a switchover whose old master has not released its resources by then is abandoned
 * @param fenceRetryMs       interval between fence attempts while fencing fails
 */
public record Timings(long heartbeatMs, long failureTimeoutMs, long leaseMs, long stopMarginMs, double maxClockDrift,
                      long electionJitterMs, long handoverTimeoutMs, long fenceRetryMs) {

    public static Timings defaults() {
        return new Timings(150, 500, 1000, 250, 0.01, 150, 30_000, 5_000);
    }

    public Timings {
        if (heartbeatMs <= 0) throw new IllegalArgumentException("heartbeat must be > 0 ms");
        if (failureTimeoutMs < 2 * heartbeatMs)
            throw new IllegalArgumentException("failure timeout must be at least twice the heartbeat");
        if (leaseMs < failureTimeoutMs)
            throw new IllegalArgumentException("lease must be at least the failure timeout");
        if (stopMarginMs < 0 || stopMarginMs >= leaseMs)
            throw new IllegalArgumentException("stop margin must be >= 0 and shorter than the lease");
        if (maxClockDrift < 0 || maxClockDrift >= 0.2)
            throw new IllegalArgumentException("max clock drift must be in [0, 0.2)");
        if (electionJitterMs < 0) throw new IllegalArgumentException("election jitter must be >= 0");
        if (handoverTimeoutMs <= 0) throw new IllegalArgumentException("handover timeout must be > 0");
        if (fenceRetryMs <= 0) throw new IllegalArgumentException("fence retry must be > 0");
    }

    /**
     * How long a voter refuses to vote for anyone else after acknowledging a renewal: the lease stretched so
     * that, even if the voter's clock runs fast and the master's slow by the drift bound, the voter's
     * promise outlasts the master's lease. (1+d)/(1-d) covers both clocks drifting apart.
     */
    public long voterWaitMs() {
        return (long) Math.ceil(leaseMs * (1 + maxClockDrift) / (1 - maxClockDrift)) + 1;
    }
}
