package io.hadb.testbed.lb;

import java.util.Locale;

/**
 * One thing the balancer did or saw, stamped with the monotonic clock (System.nanoTime, which on
 * Linux is CLOCK_MONOTONIC and so comparable with other processes' monotonic stamps).
 */
public record LbEvent(long monoNanos, Kind kind, String backend, String detail) {
    public enum Kind {
        /** A probe result: detail is "SUCCESS (handshake)", "FAILED_AT_ONCE (refused)", "SILENT (...)". */
        PROBE,
        /** A backend marked UP or DOWN: detail starts with "UP" or "DOWN". */
        STATE,
        /** The set of backends receiving new flows was replaced in the kernel. */
        RULES,
        /** A new flow through the frontend: detail "CLIENT:PORT -> BACKEND". */
        FLOW,
        /** Something the balancer could not do (its rules stay as they were). */
        ERROR
    }

    /**
     * Reads back a {@link #line()}. @throws IllegalArgumentException when it is not one
     */
    public static LbEvent parse(String line) {
        String[] f = line.split(" ", 4);
        if (f.length < 3 || !f[0].startsWith("mono=")) throw new IllegalArgumentException("not a balancer event line: " + line);
        try {
            long nanos = Math.round(Double.parseDouble(f[0].substring(5)) * 1e9);
            return new LbEvent(nanos, Kind.valueOf(f[1]), f[2].equals("-") ? null : f[2], f.length == 4 ? f[3] : "");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a balancer event line: " + line, e);
        }
    }

    /** One line for a log: "mono=1234.567 PROBE b1 SUCCESS (handshake)". */
    public String line() {
        return String.format(Locale.ROOT, "mono=%.3f %s %s %s", monoNanos / 1e9, kind, backend == null ? "-" : backend, detail);
    }
}
