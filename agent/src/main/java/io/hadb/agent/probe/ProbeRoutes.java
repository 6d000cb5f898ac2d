package io.hadb.agent.probe;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Which answer each HTTP request gets: a plain function of the method, the path and the current state, so the
 * rules are testable without a socket.
 */
final class ProbeRoutes {
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";
    /** Prometheus' classic text exposition format, as Micrometer's registry writes it. */
    static final String METRICS = "text/plain; version=0.0.4; charset=utf-8";

    /** One response: status code, content type and body (HEAD sends the headers only). */
    record Answer(int status, String contentType, byte[] body) {
        static Answer text(int status, String s) {
            return new Answer(status, TEXT, (s + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final BooleanSupplier masterHealthy;
    private final Supplier<NodeState> state;
    private final Supplier<String> metrics; // null: no /metrics

    ProbeRoutes(BooleanSupplier masterHealthy, Supplier<NodeState> state, Supplier<String> metrics) {
        this.masterHealthy = masterHealthy;
        this.state = state;
        this.metrics = metrics;
    }

    Answer answer(String method, String path) {
        if (!method.equals("GET") && !method.equals("HEAD")) return Answer.text(405, "method not allowed");
        switch (path) {
            case "/master":
                return masterHealthy.getAsBoolean() ? Answer.text(200, "master") : Answer.text(503, "not master");
            case "/replica":
                return state.get().isServingReplica() ? Answer.text(200, "replica")
                        : Answer.text(503, "not an up-to-date connected replica");
            case "/health": {
                byte[] body = HealthJson.of(state.get(), masterHealthy.getAsBoolean(), Instant.now()).toString()
                        .concat("\n").getBytes(StandardCharsets.UTF_8);
                return new Answer(200, JSON, body);
            }
            case "/metrics":
                if (metrics == null) return Answer.text(404, "not found");
                return new Answer(200, METRICS, metrics.get().getBytes(StandardCharsets.UTF_8));
            default:
                return Answer.text(404, "not found");
        }
    }
}
