package io.hadb.testbed.lb;

/** What one probe saw, and why, e.g. (FAILED_AT_ONCE, "refused") or (SUCCESS, "HTTP 200"). */
public record ProbeResult(Outcome outcome, String detail) {
    public enum Outcome {
        /** Handshake completed (TCP) or 200 answered (HTTP). */
        SUCCESS,
        /** Refused, reset, or an HTTP answer other than 200: the backend is marked down at once. */
        FAILED_AT_ONCE,
        /** Nothing before the interval ended: one failure towards the threshold. */
        SILENT
    }

    public ProbeResult {
        if (outcome == null) throw new IllegalArgumentException("probe outcome is missing");
        detail = detail == null ? "" : detail;
    }
}
