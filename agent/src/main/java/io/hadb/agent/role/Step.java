package io.hadb.agent.role;

/** The next thing to do to bring the resources to the goal; one at a time, in order. */
public sealed interface Step {
    /** A command for the executor, with the reason for the log. */
    record Act(Action action, String reason) implements Step {}

    /** Nothing to do now; something is under way (mysqld's crash recovery, a lease running out). */
    record Wait(String reason) implements Step {}

    /** The goal is reached. */
    record Done(String state) implements Step {}

    /** The goal cannot be reached here: hand the master role to a peer. */
    record Fail(String reason) implements Step {}

    enum Action {
        PROMOTE, PROMOTE_FORCE, MOUNT, START_MYSQL, OPEN_PROBE,
        CLOSE_PROBE, STOP_MYSQL, UNMOUNT, DEMOTE,
        DETACH_FORCE, RESUME_IO, ATTACH, CONNECT, DISCONNECT
    }
}
