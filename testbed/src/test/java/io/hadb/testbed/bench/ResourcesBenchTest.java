package io.hadb.testbed.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's statistics and JSON shape (the timed run itself is `testbed/bin/bench-resources`). */
class ResourcesBenchTest {
    @Test
    void summaryIsMinMedianNearestRankP95Max() {
        List<Double> twenty = new ArrayList<>();
        for (int i = 20; i >= 1; i--) twenty.add((double) i);
        assertArrayEquals(new double[] {1, 10.5, 19, 20}, ResourcesBench.summary(twenty));
        assertArrayEquals(new double[] {2, 3, 9, 9}, ResourcesBench.summary(List.of(9.0, 2.0, 3.0)));
        assertArrayEquals(new double[] {4, 4, 4, 4}, ResourcesBench.summary(List.of(4.0)));
    }

    @Test
    void jsonHasEveryStepAndTheTotal() throws Exception {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (String s : ResourcesBench.STEPS) samples.put(s, List.of(1.0, 2.0, 3.0));
        samples.put("switchover", List.of(6.0, 12.0, 18.0));
        JsonNode root = new ObjectMapper().readTree(ResourcesBench.json(samples, 3));
        assertEquals(List.of("demote", "mount", "mysqld_start", "mysqld_stop", "promote", "umount"),
                iterate(root.get("step_ms").fieldNames()).stream().sorted().toList());
        assertEquals(2.0, root.at("/step_ms/demote/median").asDouble());
        assertEquals(18.0, root.at("/switchover_ms/p95").asDouble());
        assertEquals(6.0, root.at("/switchover_ms/min").asDouble());
        assertEquals(3, root.get("trials").asInt());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
