package io.hadb.agent.mysql;

import java.time.Duration;

/** What one attempt to query the server saw. */
public sealed interface ProbeResult {
    /** SELECT 1 and the heartbeat write succeeded. */
    record Answered(Duration latency) implements ProbeResult {
    }

    /** No usable connection: refused, socket missing, timed out, or dropped. */
    record NoAnswer(String why) implements ProbeResult {
    }

    /** The server answered with an error. */
    record ServerError(int code, String sqlState, String message) implements ProbeResult {
    }
}
