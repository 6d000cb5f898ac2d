package io.hadb.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.hadb.agent.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code [control]} section: where the control socket lives, which group besides root may use it, and
 * whether the agent locks its memory (mlockall) so that a swapped-out page never delays a heartbeat.
 *
 * @param socket   the Unix socket (default: data_dir/control.sock)
 * @param group    the group allowed besides root, or empty for root only
 * @param mlockall lock all current and future pages at start (a failure is a warning, not fatal)
 */
public record ControlConfig(Path socket, Optional<String> group, boolean mlockall) {
    static final Set<String> KEYS = Set.of("socket", "group", "mlockall");

    public static ControlConfig parseFile(Path file, Path dataDir) throws ConfigException {
        try {
            return parse(Files.readString(file), dataDir);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read configuration " + file + ": " + e.getMessage());
        }
    }

    /** @param dataDir the configuration's data_dir, for the default socket path */
    public static ControlConfig parse(String toml, Path dataDir) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            throw new ConfigException("", "not valid TOML: " + e.getMessage());
        }
        Path defaultSocket = dataDir.resolve("control.sock");
        JsonNode c = root == null ? null : root.get("control");
        if (c == null) return new ControlConfig(defaultSocket, Optional.empty(), false);
        if (!c.isObject()) throw new ConfigException("control", "must be a table ([control])");
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k))
                throw new ConfigException("control." + k, "unknown key; known keys here: " + String.join(", ", new TreeSet<>(KEYS)));
        }
        Path socket = defaultSocket;
        if (c.has("socket")) {
            String s = text(c, "socket");
            if (!s.startsWith("/")) throw new ConfigException("control.socket", "must be an absolute path, got \"" + s + "\"");
            // sun_path holds 108 bytes including the terminating NUL
            if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107)
                throw new ConfigException("control.socket", "longer than the 107 bytes a Unix socket path may have");
            socket = Path.of(s);
        }
        Optional<String> group = Optional.empty();
        if (c.has("group")) {
            String g = text(c, "group");
            if (!g.matches("[A-Za-z_][A-Za-z0-9_.-]*\\$?"))
                throw new ConfigException("control.group", "\"" + g + "\" is not a valid group name");
            group = Optional.of(g);
        }
        boolean mlock = false;
        if (c.has("mlockall")) {
            if (!c.get("mlockall").isBoolean()) throw new ConfigException("control.mlockall", "must be true or false");
            mlock = c.get("mlockall").asBoolean();
        }
        return new ControlConfig(socket, group, mlock);
    }

    private static String text(JsonNode c, String key) throws ConfigException {
        JsonNode v = c.get(key);
        if (!v.isTextual()) throw new ConfigException("control." + key, "must be a string");
        if (v.asText().isBlank()) throw new ConfigException("control." + key, "must not be empty");
        return v.asText();
    }
}
