package io.hadb.agent.metrics;

import java.util.HashMap;
import java.util.Map;

/** A Prometheus text page read back: each metric family's TYPE, and each sample's value by its series. */
record Scrape(Map<String, String> types, Map<String, Double> samples) {
    static Scrape parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                types.put(p[0], p[1]);
            } else if (!line.startsWith("#")) {
                int sp = line.lastIndexOf(' ');
                samples.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return new Scrape(types, samples);
    }

    /** The value of one series, e.g. {@code hadb_role{role="master"}}; fails when it is absent. */
    double value(String series) {
        Double v = samples.get(series);
        if (v == null) throw new AssertionError("no series " + series + " in " + samples.keySet());
        return v;
    }
}
