package io.hadb.testbed.lb;

/** What Azure's Standard balancer does with a new flow when no backend's probe is up. */
public enum NoBackendUpPolicy {
    /** The default: new SYNs are dropped silently (no RST, no ICMP), the client's connect times out. */
    ALL_PROBED_DOWN,
    /** New flows are spread over every backend as if all were up. */
    ALL_PROBED_UP
}
