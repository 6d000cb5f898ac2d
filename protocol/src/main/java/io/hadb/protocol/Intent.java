package io.hadb.protocol;

/** An operator's request, carried through the cluster record by the master. */
public sealed interface Intent {
    /** Put a node in standby: it stops being master (handing over cleanly) and is never chosen. */
    record Standby(int node) implements Intent {}

    /** Take a node out of standby. */
    record Unstandby(int node) implements Intent {}

    /** Hand the master role over to {@code target} (0: to any node that can take it), cleanly. */
    record Switchover(int target) implements Intent {}

    /** Maintenance on or off: agents freeze resource actions while membership goes on. */
    record Maintenance(boolean on) implements Intent {}
}
