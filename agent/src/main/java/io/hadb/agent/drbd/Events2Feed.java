package io.hadb.agent.drbd;

import java.util.Optional;
import java.util.logging.Logger;

/**
 * The pure part of {@link DrbdEventsStream}: turns events2 lines into states worth delivering.
 * Nothing is delivered before the initial dump ends (a half-read dump is not a state); after a
 * restart of the stream the dump is read afresh and delivered only if it differs from what the
 * listener already has. A line that does not parse is counted and logged, never thrown.
 */
final class Events2Feed {
    private static final Logger LOG = Logger.getLogger(Events2Feed.class.getName());

    private final String resource;
    private DrbdEvents2Parser parser;
    private DrbdResourceState delivered;
    private long malformed;

    Events2Feed(String resource) {
        this.resource = resource;
        this.parser = new DrbdEvents2Parser(resource);
    }

    /** A new events2 process starts: its dump replaces everything folded so far. */
    void restart() {
        parser = new DrbdEvents2Parser(resource);
    }

    Optional<DrbdResourceState> line(String line) {
        Optional<DrbdResourceState> next;
        try {
            next = parser.accept(line);
        } catch (DrbdParseException e) {
            malformed++;
            LOG.warning("events2 line ignored: " + e.getMessage());
            return Optional.empty();
        }
        if (next.isEmpty() || !parser.initialDumpComplete()) return Optional.empty();
        if (next.get().equals(delivered)) return Optional.empty();
        delivered = next.get();
        return next;
    }

    /** The last state delivered, or null before the first dump ended. */
    DrbdResourceState delivered() {
        return delivered;
    }

    /** True once the current process's initial dump has ended. */
    boolean dumpComplete() {
        return parser.initialDumpComplete();
    }

    long malformedLines() {
        return malformed;
    }
}
