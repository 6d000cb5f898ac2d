package io.hadb.testbed;

import java.util.List;

/**
 * The command prefix that runs a program inside a named network namespace and nothing more.
 * Not `ip netns exec`: that also gives the program a private copy of the mount namespace, and a
 * copy made while a node's replicated filesystem is mounted keeps that filesystem alive after the
 * node unmounts it (the copy pins the superblock, the device stays claimed, and a later mount gets
 * the old, stale instance back).
 */
public final class NetnsCommand {
    private NetnsCommand() {
    }

    public static List<String> prefix(String namespace) {
        return List.of("nsenter", "--net=/run/netns/" + namespace, "--");
    }

    /** The whole command line: the prefix, then command. */
    public static List<String> with(String namespace, String... command) {
        List<String> all = new java.util.ArrayList<>(prefix(namespace));
        all.addAll(List.of(command));
        return List.copyOf(all);
    }
}
