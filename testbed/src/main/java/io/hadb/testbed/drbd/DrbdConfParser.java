package io.hadb.testbed.drbd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses DRBD's resource-file syntax: `resource r0 { net {...} disk {...} handlers {...}
 * on NAME { device /dev/drbd0; disk /dev/xxx; address IP:PORT; meta-disk internal; } ... }`,
 * with `#` comments, `include "glob";`, and `global { ... }` / `common { disk {...} handlers {...} }`,
 * whose options every resource inherits (its own take precedence) as `global.KEY`, `disk.KEY`, ....
 */
final class DrbdConfParser {
    private final List<String> tokens = new ArrayList<>();
    private int pos;
    private final String origin;
    /** Options of `global` and `common`, shared by every file of one configuration. */
    private final Map<String, String> inherited;

    private DrbdConfParser(String text, String origin, Map<String, String> inherited) {
        this.origin = origin;
        this.inherited = inherited;
        tokenize(text);
    }

    static Map<String, DrbdResourceConf> parseFile(Path file) throws IOException {
        Map<String, DrbdResourceConf> out = new LinkedHashMap<>();
        Map<String, String> inherited = new LinkedHashMap<>();
        parseInto(file, out, inherited, 0);
        return inherit(out, inherited);
    }

    static Map<String, DrbdResourceConf> parse(String text) {
        Map<String, DrbdResourceConf> out = new LinkedHashMap<>();
        Map<String, String> inherited = new LinkedHashMap<>();
        try {
            new DrbdConfParser(text, "<text>", inherited).parseTop(out, null, 0);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return inherit(out, inherited);
    }

    private static Map<String, DrbdResourceConf> inherit(Map<String, DrbdResourceConf> parsed, Map<String, String> inherited) {
        if (inherited.isEmpty()) return parsed;
        Map<String, DrbdResourceConf> out = new LinkedHashMap<>();
        for (DrbdResourceConf r : parsed.values()) {
            Map<String, String> o = new LinkedHashMap<>(inherited);
            o.putAll(r.options());
            out.put(r.name(), new DrbdResourceConf(r.name(), r.hosts(), Map.copyOf(o)));
        }
        return out;
    }

    private static void parseInto(Path file, Map<String, DrbdResourceConf> out, Map<String, String> inherited, int depth)
            throws IOException {
        if (depth > 8) throw new IllegalArgumentException("include nesting too deep at " + file);
        new DrbdConfParser(Files.readString(file), file.toString(), inherited).parseTop(out, file.getParent(), depth);
    }

    private void tokenize(String text) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < text.length() && text.charAt(i) != '\n') i++;
            } else if (c == '{' || c == '}' || c == ';') {
                tokens.add(String.valueOf(c));
                i++;
            } else if (c == '"') {
                int end = text.indexOf('"', i + 1);
                if (end < 0) throw new IllegalArgumentException(origin + ": unterminated string");
                tokens.add(text.substring(i + 1, end));
                i = end + 1;
            } else {
                int s = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && "{};#\"".indexOf(text.charAt(i)) < 0) i++;
                tokens.add(text.substring(s, i));
            }
        }
    }

    private String next() {
        if (pos >= tokens.size()) throw new IllegalArgumentException(origin + ": unexpected end of configuration");
        return tokens.get(pos++);
    }

    private void expect(String t) {
        String got = next();
        if (!got.equals(t)) throw new IllegalArgumentException(origin + ": expected '" + t + "' but found '" + got + "'");
    }

    private void parseTop(Map<String, DrbdResourceConf> out, Path baseDir, int depth) throws IOException {
        while (pos < tokens.size()) {
            String kw = next();
            switch (kw) {
                case "resource" -> {
                    DrbdResourceConf r = parseResource(next());
                    out.put(r.name(), r);
                }
                case "global" -> parseOptions("global", inherited);
                case "common" -> parseCommon();
                case "include" -> {
                    String pattern = next();
                    expect(";");
                    Path p = baseDir == null ? Path.of(pattern) : baseDir.resolve(pattern);
                    Path dir = p.getParent();
                    if (dir == null || !Files.isDirectory(dir)) continue;
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p.getFileName().toString())) {
                        List<Path> files = new ArrayList<>();
                        ds.forEach(files::add);
                        files.sort(null);
                        for (Path f : files) parseInto(f, out, inherited, depth + 1);
                    }
                }
                default -> throw new IllegalArgumentException(origin + ": unexpected '" + kw + "' at top level");
            }
        }
    }

    /** `common { net {...} disk {...} handlers {...} }`: defaults for every resource. */
    private void parseCommon() {
        expect("{");
        while (true) {
            String t = next();
            if (t.equals("}")) return;
            if (tokens.get(pos).equals("{")) parseOptions(t, inherited);
            else statement();
        }
    }

    private void skipBlock() {
        expect("{");
        int level = 1;
        while (level > 0) {
            String t = next();
            if (t.equals("{")) level++;
            else if (t.equals("}")) level--;
        }
    }

    private DrbdResourceConf parseResource(String name) {
        expect("{");
        List<DrbdResourceConf.Host> hosts = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> common = new LinkedHashMap<>();
        while (true) {
            String t = next();
            if (t.equals("}")) break;
            switch (t) {
                case "on" -> hosts.add(parseHost(next(), common));
                case "net", "disk", "handlers", "startup", "options" -> {
                    if (tokens.get(pos).equals("{")) parseOptions(t, options);
                    else common.put(t, statement()); // `disk /dev/x;` at resource level applies to every host
                }
                case "device", "address", "meta-disk", "protocol" -> common.put(t, statement());
                default -> {
                    if (tokens.get(pos).equals("{")) skipBlock();
                    else statement();
                }
            }
        }
        if (hosts.isEmpty()) throw new IllegalArgumentException(origin + ": resource " + name + " has no 'on HOST' section");
        return new DrbdResourceConf(name, List.copyOf(hosts), Map.copyOf(options));
    }

    private String statement() {
        StringBuilder b = new StringBuilder();
        while (true) {
            String t = next();
            if (t.equals(";")) return b.toString();
            if (t.equals("{") || t.equals("}")) throw new IllegalArgumentException(origin + ": missing ';' before '" + t + "'");
            if (b.length() > 0) b.append(' ');
            b.append(t);
        }
    }

    private void parseOptions(String section, Map<String, String> out) {
        expect("{");
        while (true) {
            if (tokens.get(pos).equals("}")) {
                pos++;
                return;
            }
            String key = next();
            if (tokens.get(pos).equals("{")) {
                skipBlock();
                continue;
            }
            out.put(section + "." + key, statement());
        }
    }

    private DrbdResourceConf.Host parseHost(String hostName, Map<String, String> common) {
        expect("{");
        Map<String, String> f = new LinkedHashMap<>(common);
        while (true) {
            String t = next();
            if (t.equals("}")) break;
            if (tokens.get(pos).equals("{")) {
                skipBlock(); // volume sub-sections are not emulated
                continue;
            }
            f.put(t, statement());
        }
        String device = f.get("device");
        String disk = f.get("disk");
        String address = f.get("address");
        if (device == null || disk == null || address == null) {
            throw new IllegalArgumentException(origin + ": 'on " + hostName + "' needs device, disk and address");
        }
        if (device.startsWith("minor ")) device = "/dev/drbd" + device.substring(6).strip();
        return new DrbdResourceConf.Host(hostName, device, disk, address, f.getOrDefault("meta-disk", "internal"));
    }
}
