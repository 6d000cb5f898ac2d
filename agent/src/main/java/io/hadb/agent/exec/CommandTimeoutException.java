package io.hadb.agent.exec;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** An external command did not finish in time; it and its children were killed. */
public final class CommandTimeoutException extends IOException {
    private final List<String> command;
    private final String partialOutput;

    public CommandTimeoutException(List<String> command, Duration timeout, String partialOutput) {
        super(String.join(" ", command) + " did not finish within " + timeout.toMillis() + " ms and was killed");
        this.command = List.copyOf(command);
        this.partialOutput = partialOutput;
    }

    public List<String> command() {
        return command;
    }

    public String partialOutput() {
        return partialOutput;
    }
}
