package io.hadb.agent.fs;

import java.util.List;

/**
 * The replicated filesystem as another mount namespace still has it: a namespace copied (by
 * unshare, ip netns exec, a container or a service's private mounts) while it was mounted here
 * keeps the filesystem alive after it is unmounted here.
 *
 * @param pid         a process in that namespace (the lowest pid), through which the namespace is entered
 * @param command     that process's name, for the operator
 * @param namespace   the namespace as /proc/PID/ns/mnt names it, "mnt:[4026532301]"
 * @param mountPoints where that namespace has the device mounted, in mount order
 */
record ForeignMount(long pid, String command, String namespace, List<String> mountPoints) {
    @Override
    public String toString() {
        return "mounted on " + String.join(", ", mountPoints) + " in the mount namespace " + namespace + " of pid " + pid
                + " (" + command + ")";
    }
}
