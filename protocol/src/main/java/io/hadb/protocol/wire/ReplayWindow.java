package io.hadb.protocol.wire;

/**
 * Replay protection for one sender, as IPsec does it: incarnations only move forward (an older one is a
 * replay), and within an incarnation a sliding window of 64 sequence numbers accepts frames that arrive
 * out of order once each and rejects duplicates and anything older than the window.
 *
 * <p>A receiver that restarts has forgotten every window: it accepts the first frame of each sender as the
 * new baseline. Messages are idempotent for the protocol (terms and record versions order them), so one
 * replayed frame after a receiver's restart cannot change a decision.
 */
public final class ReplayWindow {
    public static final int SIZE = 64;

    private boolean started;
    private long incarnation;
    private long highest;
    /** Bit i set: sequence highest - i was seen. */
    private long seen;

    /** Whether (incarnation, seq) would be accepted, without recording it. */
    public boolean fresh(long inc, long seq) {
        if (!started || Long.compareUnsigned(inc, incarnation) > 0) return true;
        if (inc != incarnation) return false;
        if (Long.compareUnsigned(seq, highest) > 0) return true;
        long age = highest - seq;
        if (Long.compareUnsigned(age, SIZE) >= 0) return false;
        return (seen & (1L << age)) == 0;
    }

    /** Accepts and records (incarnation, seq) when fresh; returns false (recording nothing) when a replay. */
    public boolean accept(long inc, long seq) {
        if (!fresh(inc, seq)) return false;
        if (!started || inc != incarnation) {
            started = true;
            incarnation = inc;
            highest = seq;
            seen = 1;
            return true;
        }
        if (Long.compareUnsigned(seq, highest) > 0) {
            long shift = seq - highest;
            seen = Long.compareUnsigned(shift, SIZE) >= 0 ? 0 : seen << shift;
            seen |= 1;
            highest = seq;
        } else {
            seen |= 1L << (highest - seq);
        }
        return true;
    }

    public long incarnation() {
        return incarnation;
    }
}
