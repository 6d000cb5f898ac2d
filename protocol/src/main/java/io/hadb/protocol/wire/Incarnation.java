package io.hadb.protocol.wire;

/**
 * A sender's incarnation: a number that is higher after every restart, so that receivers can tell a
 * restarted sender (new incarnation, new sequence numbers) from a replay of its old frames (older
 * incarnation). It is the start's wall-clock time in microseconds, shifted to leave ten random low bits, and
 * never less than one above the previous incarnation the shell kept on disk (a clock stepped back must
 * not make a restarted node look like a replay).
 */
public final class Incarnation {
    private Incarnation() {}

    /**
     * @param wallClockMicros the start time, microseconds since the epoch
     * @param random          any random value; its low ten bits are used
     * @param previous        the previous incarnation of this node, 0 if unknown
     */
    public static long next(long wallClockMicros, long random, long previous) {
        long fresh = (Math.max(0, wallClockMicros) << 10) | (random & 0x3FF);
        return Math.max(fresh, previous + 1);
    }
}
