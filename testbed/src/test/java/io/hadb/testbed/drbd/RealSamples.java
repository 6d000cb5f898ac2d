package io.hadb.testbed.drbd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The recordings of real DRBD kept with the agent's tests (agent/src/test/resources/drbd-samples). */
final class RealSamples {
    private RealSamples() {
    }

    static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("agent/src/test/resources/drbd-samples");
            if (Files.isDirectory(d)) return d;
        }
        throw new IllegalStateException("agent/src/test/resources/drbd-samples not found");
    }

    static List<String> lines(String rel) {
        try {
            return Files.readAllLines(dir().resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Step(String section, String command, String output, int exit) {
    }

    static List<Step> steps(String rel) {
        List<Step> out = new ArrayList<>();
        String section = "";
        String cmd = null;
        StringBuilder buf = new StringBuilder();
        for (String line : lines(rel)) {
            if (cmd == null && line.startsWith("## ")) section = line.substring(3);
            else if (cmd == null && line.startsWith("$ ")) {
                cmd = line.substring(2);
                buf.setLength(0);
            } else if (cmd != null && line.startsWith("exit=")) {
                out.add(new Step(section, cmd, buf.toString(), Integer.parseInt(line.substring(5).split(" ")[0])));
                cmd = null;
            } else if (cmd != null) buf.append(line).append('\n');
        }
        return out;
    }

    /** The output of `command` in `section` of a scenario steps file (the first match). */
    static Step step(String node, String section, String command) {
        return steps("scenario-steps." + node + ".txt").stream()
                .filter(s -> s.section().equals(section) && s.command().equals(command)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + command + "' at '" + section + "' for " + node));
    }

    /** The first failed `command` of a node's scenario. */
    static Step refusal(String node, String command, String section) {
        return steps("scenario-steps." + node + ".txt").stream()
                .filter(s -> s.command().equals(command) && s.exit() != 0 && (section == null || s.section().equals(section)))
                .findFirst().orElseThrow();
    }
}
