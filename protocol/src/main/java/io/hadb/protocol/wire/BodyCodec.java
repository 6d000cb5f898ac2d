package io.hadb.protocol.wire;

import io.hadb.protocol.ClusterRecord;
import io.hadb.protocol.DataState;
import io.hadb.protocol.Intent;
import io.hadb.protocol.Message;
import io.hadb.protocol.RecordVersion;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Message bodies, frame version 2 (version 1 had no force flag in a vote request). Node ids are u16, terms, sequences and indexes i64, strings u16-length
 * UTF-8 (free text is cut to {@link #MAX_TEXT} bytes so that a long reason can never make a heartbeat too
 * big to send).
 */
final class BodyCodec {
    static final int MAX_TEXT = 1024;
    private static final int MAX_NODES_IN_RECORD = 1024;

    private BodyCodec() {}

    static byte[] encode(Message m) {
        BodyWriter w = new BodyWriter();
        if (m instanceof Message.Ping p) {
            w.i64(p.term()).u16(p.leader());
            version(w, p.recordVersion());
            w.i64(p.boot()).i64(p.echo());
        } else if (m instanceof Message.Heartbeat h) {
            w.i64(h.term()).i64(h.seq());
            record(w, h.record());
            version(w, h.committed());
            w.i64(h.boot()).i64(h.echo());
        } else if (m instanceof Message.HeartbeatAck a) {
            w.i64(a.term()).i64(a.seq());
            version(w, a.persisted());
        } else if (m instanceof Message.VoteRequest v) {
            w.i64(v.term());
            version(w, v.recordVersion());
            w.u16(v.transferFrom()).bool(v.force());
        } else if (m instanceof Message.VoteResponse v) {
            w.i64(v.term()).bool(v.granted());
        } else if (m instanceof Message.IntentRequest r) {
            w.i64(r.requestId());
            intent(w, r.intent());
        } else if (m instanceof Message.IntentReply r) {
            w.i64(r.requestId()).bool(r.accepted()).string(r.message(), MAX_TEXT);
        } else if (m instanceof Message.TimeoutNow t) {
            w.i64(t.term());
        } else if (m instanceof Message.LeaseReleased l) {
            w.i64(l.term());
        } else {
            throw new IllegalArgumentException("cannot encode " + m);
        }
        return w.toByteArray();
    }

    static Message decode(MessageType type, byte[] buf, int offset, int length) throws BodyReader.Malformed {
        BodyReader r = new BodyReader(buf, offset, length);
        Message m = switch (type) {
            case PING -> new Message.Ping(r.i64("term"), r.u16("leader"), version(r), r.i64("boot"), r.i64("echo"));
            case HEARTBEAT -> new Message.Heartbeat(r.i64("term"), r.i64("seq"), record(r), version(r),
                    r.i64("boot"), r.i64("echo"));
            case HEARTBEAT_ACK -> new Message.HeartbeatAck(r.i64("term"), r.i64("seq"), version(r));
            case VOTE_REQUEST -> new Message.VoteRequest(r.i64("term"), version(r), r.u16("transfer from"),
                    r.bool("force"));
            case VOTE_RESPONSE -> new Message.VoteResponse(r.i64("term"), r.bool("granted"));
            case INTENT_REQUEST -> new Message.IntentRequest(r.i64("request id"), intent(r));
            case INTENT_REPLY -> new Message.IntentReply(r.i64("request id"), r.bool("accepted"), r.string("message"));
            case TIMEOUT_NOW -> new Message.TimeoutNow(r.i64("term"));
            case LEASE_RELEASED -> new Message.LeaseReleased(r.i64("term"));
        };
        r.end();
        return m;
    }

    // ------------------------------------------------------------ parts (shared with the state file)

    static void version(BodyWriter w, RecordVersion v) {
        w.i64(v.term()).i64(v.index());
    }

    static RecordVersion version(BodyReader r) throws BodyReader.Malformed {
        return new RecordVersion(r.i64("record term"), r.i64("record index"));
    }

    static void record(BodyWriter w, ClusterRecord c) {
        version(w, c.version());
        w.u16(c.master());
        w.u16(c.dataStates().size());
        for (Map.Entry<Integer, DataState> e : c.dataStates().entrySet()) {
            w.u16(e.getKey()).bool(e.getValue().upToDate()).i64(e.getValue().outdatedSinceTerm());
        }
        w.u16(c.standby().size());
        for (int n : c.standby()) w.u16(n);
        w.bool(c.maintenance());
        w.string(c.lastReason(), MAX_TEXT);
    }

    static ClusterRecord record(BodyReader r) throws BodyReader.Malformed {
        RecordVersion v = version(r);
        int master = r.u16("master");
        int nStates = r.u16("data state count");
        if (nStates > MAX_NODES_IN_RECORD) throw new BodyReader.Malformed("too many data states: " + nStates);
        Map<Integer, DataState> states = new TreeMap<>();
        for (int i = 0; i < nStates; i++) {
            int node = r.u16("data state node");
            DataState s = new DataState(r.bool("up to date"), r.i64("outdated since"));
            if (states.put(node, s) != null) throw new BodyReader.Malformed("data state of node " + node + " twice");
        }
        int nStandby = r.u16("standby count");
        if (nStandby > MAX_NODES_IN_RECORD) throw new BodyReader.Malformed("too many standby nodes: " + nStandby);
        Set<Integer> standby = new HashSet<>();
        for (int i = 0; i < nStandby; i++) {
            int node = r.u16("standby node");
            if (!standby.add(node)) throw new BodyReader.Malformed("standby node " + node + " twice");
        }
        boolean maintenance = r.bool("maintenance");
        String reason = r.string("last reason");
        return new ClusterRecord(v, master, states, standby, maintenance, reason);
    }

    private static void intent(BodyWriter w, Intent i) {
        if (i instanceof Intent.Standby s) {
            w.u8(1).u16(s.node());
        } else if (i instanceof Intent.Unstandby u) {
            w.u8(2).u16(u.node());
        } else if (i instanceof Intent.Switchover s) {
            w.u8(3).u16(s.target());
        } else if (i instanceof Intent.Maintenance m) {
            w.u8(4).bool(m.on());
        } else {
            throw new IllegalArgumentException("cannot encode " + i);
        }
    }

    private static Intent intent(BodyReader r) throws BodyReader.Malformed {
        int kind = r.u8("intent kind");
        return switch (kind) {
            case 1 -> new Intent.Standby(r.u16("node"));
            case 2 -> new Intent.Unstandby(r.u16("node"));
            case 3 -> new Intent.Switchover(r.u16("target"));
            case 4 -> new Intent.Maintenance(r.bool("on"));
            default -> throw new BodyReader.Malformed("unknown intent kind " + kind);
        };
    }
}
