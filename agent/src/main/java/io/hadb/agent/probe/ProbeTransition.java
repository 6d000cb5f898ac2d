package io.hadb.agent.probe;

import java.time.Duration;
import java.time.Instant;

/**
 * When a request to open or close the TCP probe took effect.
 *
 * @param healthy the state the probe port is in now: true when it is bound and accepting
 * @param changed false when the port already was in that state (the request was a no-op)
 * @param at the wall-clock moment the bind or close returned
 * @param took from the request to that moment
 */
public record ProbeTransition(boolean healthy, boolean changed, Instant at, Duration took) {
}
