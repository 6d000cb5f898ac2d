package io.hadb.protocol;

import java.util.List;

/**
 * The result of one step. The shell must first write {@code persist} durably (when not null), then send
 * {@code messages}, then act on {@code decisions}: a vote or a record must be on disk before anyone hears of it.
 */
public record Output(PersistentState persist, List<Outgoing> messages, List<Decision> decisions) {
    public Output {
        messages = List.copyOf(messages);
        decisions = List.copyOf(decisions);
    }
}
