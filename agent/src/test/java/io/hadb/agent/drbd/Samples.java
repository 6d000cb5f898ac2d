package io.hadb.agent.drbd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads the recorded real-DRBD output under src/test/resources/drbd-samples. */
final class Samples {
    private Samples() {
    }

    static Path dir() {
        try {
            return Path.of(Samples.class.getResource("/drbd-samples/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(String relative) {
        try {
            return Files.readString(dir().resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(String relative) {
        return read(relative).lines().toList();
    }

    /** Every events2 recording: the scenario's live streams and each fencing scenario's. */
    static List<Path> events2Files() {
        try (Stream<Path> s = Files.walk(dir())) {
            return s.filter(p -> p.getFileName().toString().contains("events2")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One `$ command` of a steps file: its output and exit code, and the `## step` it belongs to. */
    record Step(String section, String command, String output, int exit) {
    }

    /** Parses the steps format: "## section", "$ cmd", output lines, "exit=N[ after M ms]". */
    static List<Step> steps(String relative) {
        List<Step> out = new ArrayList<>();
        String section = "";
        String cmd = null;
        StringBuilder buf = new StringBuilder();
        for (String line : lines(relative)) {
            if (cmd == null && line.startsWith("## ")) {
                section = line.substring(3);
            } else if (cmd == null && line.startsWith("$ ")) {
                cmd = line.substring(2);
                buf.setLength(0);
            } else if (cmd != null && line.startsWith("exit=")) {
                String code = line.substring(5).split(" ")[0];
                out.add(new Step(section, cmd, buf.toString(), Integer.parseInt(code)));
                cmd = null;
            } else if (cmd != null) {
                buf.append(line).append('\n');
            }
        }
        return out;
    }

    /** Folds an events2 recording up to and including the first line that starts with the timestamp prefix. */
    static DrbdResourceState foldUntil(String relative, String timestampPrefix) throws DrbdParseException {
        DrbdEvents2Parser p = new DrbdEvents2Parser("r0");
        boolean found = false;
        for (String line : lines(relative)) {
            if (found && !line.startsWith(timestampPrefix)) break;
            p.accept(line);
            if (line.startsWith(timestampPrefix)) found = true;
        }
        if (!found) throw new AssertionError("no line at " + timestampPrefix + " in " + relative);
        return p.current();
    }

    static DrbdResourceState foldAll(String relative) throws DrbdParseException {
        DrbdEvents2Parser p = new DrbdEvents2Parser("r0");
        for (String line : lines(relative)) p.accept(line);
        return p.current();
    }
}
