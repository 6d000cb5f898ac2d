package io.hadb.protocol.wire;

import io.hadb.protocol.Message;

/** The type byte of each message; codes are part of the wire format and never reused. */
enum MessageType {
    PING(1),
    HEARTBEAT(2),
    HEARTBEAT_ACK(3),
    VOTE_REQUEST(4),
    VOTE_RESPONSE(5),
    INTENT_REQUEST(6),
    INTENT_REPLY(7),
    TIMEOUT_NOW(8),
    LEASE_RELEASED(9);

    final int code;

    MessageType(int code) {
        this.code = code;
    }

    static MessageType of(Message m) {
        if (m instanceof Message.Ping) return PING;
        if (m instanceof Message.Heartbeat) return HEARTBEAT;
        if (m instanceof Message.HeartbeatAck) return HEARTBEAT_ACK;
        if (m instanceof Message.VoteRequest) return VOTE_REQUEST;
        if (m instanceof Message.VoteResponse) return VOTE_RESPONSE;
        if (m instanceof Message.IntentRequest) return INTENT_REQUEST;
        if (m instanceof Message.IntentReply) return INTENT_REPLY;
        if (m instanceof Message.TimeoutNow) return TIMEOUT_NOW;
        if (m instanceof Message.LeaseReleased) return LEASE_RELEASED;
        throw new IllegalArgumentException("no wire type for " + m.getClass().getName());
    }

    /** The type with this code, or null. */
    static MessageType byCode(int code) {
        for (MessageType t : values()) if (t.code == code) return t;
        return null;
    }
}
