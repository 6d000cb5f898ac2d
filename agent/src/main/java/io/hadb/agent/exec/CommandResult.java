package io.hadb.agent.exec;

import java.time.Duration;
import java.util.List;

/** What an external command did: its exit code and everything it printed. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** One line for a log: the command, its exit code and the first line it printed on stderr. */
    public String summary() {
        String err = stderr.isBlank() ? stdout.strip() : stderr.strip();
        int nl = err.indexOf('\n');
        if (nl >= 0) err = err.substring(0, nl);
        return String.join(" ", command) + " exited " + exitCode + " after " + elapsed.toMillis() + " ms"
                + (err.isEmpty() ? "" : ": " + err);
    }
}
