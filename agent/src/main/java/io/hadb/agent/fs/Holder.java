package io.hadb.agent.fs;

import java.util.List;

/**
 * A process that keeps a mount busy and what it holds there, e.g. "cwd /var/lib/mysql",
 * "fd 7 /var/lib/mysql/ibdata1", "maps /var/lib/mysql/x.so", "root /var/lib/mysql".
 */
public record Holder(long pid, String comm, List<String> holds) {
    public Holder {
        holds = List.copyOf(holds);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (" + comm + ") holding " + String.join(", ", holds);
    }
}
