package io.hadb.testbed.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** One agent's answer to {@code status}, with the local monotonic time the question was asked. */
public record AgentStatus(String node, long askedNanos, long monoNanos, long term, String role, String leader,
                          boolean serving, boolean leaseValid, long leaseUntilNanos, boolean quorate,
                          List<String> peersUp, List<String> peersDown, JsonNode raw) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static AgentStatus parse(String line, long askedNanos) throws IOException {
        JsonNode j = JSON.readTree(line);
        if (j.has("error")) throw new IOException(j.get("error").asText());
        return new AgentStatus(j.path("node").asText(), askedNanos, j.path("monoNanos").asLong(), j.path("term").asLong(),
                j.path("role").asText(), j.path("leader").isNull() ? null : j.path("leader").asText(null),
                j.path("serving").asBoolean(), j.path("leaseValid").asBoolean(), j.path("leaseUntilNanos").asLong(),
                j.path("quorate").asBoolean(), strings(j.path("peersUp")), strings(j.path("peersDown")), j);
    }

    private static List<String> strings(JsonNode a) {
        List<String> l = new ArrayList<>();
        a.forEach(x -> l.add(x.asText()));
        return l;
    }

    public long dropped(String reason) {
        return raw.path("dropped").path(reason).asLong();
    }
}
