package io.hadb.testbed.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** min, median, p95, max of a sample (nearest-rank percentiles). */
record Stats(double min, double median, double p95, double max, int n) {
    static Stats of(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        if (v.isEmpty()) return new Stats(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        return new Stats(v.get(0), rank(v, 0.5), rank(v, 0.95), v.get(v.size() - 1), v.size());
    }

    private static double rank(List<Double> v, double p) {
        int i = (int) Math.ceil(p * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, i)));
    }

    ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("min", round(min));
        o.put("median", round(median));
        o.put("p95", round(p95));
        o.put("max", round(max));
        o.put("n", n);
        return o;
    }

    static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }
}
