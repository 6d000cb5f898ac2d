package io.hadb.agent.drbd;

/** The state of the replication link to the peer (`connection:`), DRBD 9 names as drbd-utils 9 prints them. */
public enum DrbdConnectionState {
    STANDALONE("StandAlone"), DISCONNECTING("Disconnecting"), UNCONNECTED("Unconnected"), TIMEOUT("Timeout"),
    BROKEN_PIPE("BrokenPipe"), NETWORK_FAILURE("NetworkFailure"), PROTOCOL_ERROR("ProtocolError"),
    TEAR_DOWN("TearDown"), CONNECTING("Connecting"), CONNECTED("Connected"), UNKNOWN("Unknown");

    private final String text;

    DrbdConnectionState(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static DrbdConnectionState parse(String s) {
        for (DrbdConnectionState c : values()) if (c.text.equals(s)) return c;
        // 8.4's own names, as /proc/drbd and `drbdadm cstate` print them on an 8.4 module
        return switch (s) {
            case "WFConnection" -> CONNECTING;
            case "Disconnected" -> UNCONNECTED;
            default -> UNKNOWN;
        };
    }
}
