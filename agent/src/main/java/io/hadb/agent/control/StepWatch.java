package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Follows an operator's intent (switchover, forced promotion) through the agent's answer and successive status
 * answers, naming each step as it is seen. Pure: the caller feeds the answer and the statuses.
 */
public sealed interface StepWatch permits SwitchoverWatch, PromoteWatch {
    /** The agent accepted the intent with this message: the steps that tells. */
    List<String> accepted(String message, long now);

    /** The steps newly visible in this status answer. */
    List<String> observe(JsonNode status, long now);

    /** Whether the last step has been seen. */
    boolean done();
}
