package io.hadb.agent.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The agent's recent decisions, for {@code agentctl history}: the last {@link #CAPACITY} lines the agent's
 * decision loggers wrote (elections, leader and serve changes, releases, committed records, fencing, intents,
 * resource steps with their durations), each with wall-clock and monotonic time. It listens to the logs the
 * agent writes anyway, so every decision that reaches the journal reaches the history, with the same words.
 */
public final class History extends Handler {
    public static final int CAPACITY = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Decision loggers; datagram drops and driver chatter stay in the journal only. */
    static final Set<String> SOURCES = Set.of("hadb.election", "hadb.lease", "hadb.intent", "hadb.record",
            "hadb.fencing", "hadb.quorum", "hadb.membership", "hadb.resources", "hadb.probe", "hadb.agent",
            "hadb.control");

    /** One remembered line. */
    public record Entry(long wallMillis, long monoNanos, String source, String level, String message) {}

    private final Deque<Entry> entries = new ArrayDeque<>();
    private final int capacity;

    public History() {
        this(CAPACITY);
    }

    History(int capacity) {
        this.capacity = capacity;
        setLevel(Level.INFO);
    }

    /** Listens to the decision loggers of this process. */
    public static History install() {
        History h = new History();
        Logger.getLogger("hadb").addHandler(h);
        return h;
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || r.getLevel().intValue() < getLevel().intValue()) return;
        String name = r.getLoggerName();
        if (name == null || !SOURCES.contains(name)) return;
        add(new Entry(r.getMillis(), System.nanoTime(), name.substring(name.indexOf('.') + 1),
                r.getLevel().getName().toLowerCase(), r.getMessage()));
    }

    synchronized void add(Entry e) {
        if (entries.size() == capacity) entries.removeFirst();
        entries.addLast(e);
    }

    /** {"history":[{"wall":ms,"mono":ns,"source":..,"level":..,"message":..},...]}, oldest first. */
    public synchronized String json() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray("history");
        for (Entry e : entries) {
            ObjectNode n = a.addObject();
            n.put("wall", e.wallMillis());
            n.put("mono", e.monoNanos());
            n.put("source", e.source());
            n.put("level", e.level());
            n.put("message", e.message());
        }
        return o.toString();
    }

    public synchronized int size() {
        return entries.size();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("hadb").removeHandler(this);
    }
}
