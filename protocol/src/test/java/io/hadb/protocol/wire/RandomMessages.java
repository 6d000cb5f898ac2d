package io.hadb.protocol.wire;

import io.hadb.protocol.ClusterRecord;
import io.hadb.protocol.DataState;
import io.hadb.protocol.Intent;
import io.hadb.protocol.Message;
import io.hadb.protocol.RecordVersion;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Random values of every message type, drawn from a seed. */
final class RandomMessages {
    private final Random r;

    RandomMessages(long seed) {
        r = new Random(seed);
    }

    long anyLong() {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> r.nextInt(1000);
            default -> r.nextLong();
        };
    }

    int nodeId() {
        return r.nextInt(4) == 0 ? 65535 : r.nextInt(10);
    }

    String text() {
        String[] parts = {"", "elected in term 3", "ünïcødé ✓ 𝄞", "x".repeat(r.nextInt(50)), "hadb02 Outdated"};
        return parts[r.nextInt(parts.length)];
    }

    RecordVersion version() {
        return new RecordVersion(anyLong(), anyLong());
    }

    ClusterRecord record() {
        Map<Integer, DataState> states = new HashMap<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++)
            states.put(nodeId(), r.nextBoolean() ? DataState.UP_TO_DATE : DataState.outdatedSince(anyLong()));
        Set<Integer> standby = new HashSet<>();
        for (int i = r.nextInt(3); i > 0; i--) standby.add(nodeId());
        return new ClusterRecord(version(), nodeId(), states, standby, r.nextBoolean(), text());
    }

    Intent intent() {
        return switch (r.nextInt(4)) {
            case 0 -> new Intent.Standby(nodeId());
            case 1 -> new Intent.Unstandby(nodeId());
            case 2 -> new Intent.Switchover(nodeId());
            default -> new Intent.Maintenance(r.nextBoolean());
        };
    }

    Message message(int kind) {
        return switch (kind) {
            case 0 -> new Message.Ping(anyLong(), nodeId(), version(), anyLong(), anyLong());
            case 1 -> new Message.Heartbeat(anyLong(), anyLong(), record(), version(), anyLong(), anyLong());
            case 2 -> new Message.HeartbeatAck(anyLong(), anyLong(), version());
            case 3 -> new Message.VoteRequest(anyLong(), version(), nodeId(), r.nextBoolean());
            case 4 -> new Message.VoteResponse(anyLong(), r.nextBoolean());
            case 5 -> new Message.IntentRequest(anyLong(), intent());
            case 6 -> new Message.IntentReply(anyLong(), r.nextBoolean(), text());
            case 7 -> new Message.TimeoutNow(anyLong());
            default -> new Message.LeaseReleased(anyLong());
        };
    }

    static final int KINDS = 9;

    Message message() {
        return message(r.nextInt(KINDS));
    }

    List<Message> oneOfEach() {
        return java.util.stream.IntStream.range(0, KINDS).mapToObj(this::message).toList();
    }
}
