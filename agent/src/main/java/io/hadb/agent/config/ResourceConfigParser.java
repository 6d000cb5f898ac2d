package io.hadb.agent.config;

import static io.hadb.agent.config.ConfigParser.checkKeys;
import static io.hadb.agent.config.ConfigParser.longValue;
import static io.hadb.agent.config.ConfigParser.intValue;
import static io.hadb.agent.config.ConfigParser.string;
import static io.hadb.agent.config.ConfigParser.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.fs.FilesystemConfig;
import io.hadb.agent.mysql.DurabilityPolicy;
import io.hadb.agent.mysql.MysqlConfig;
import io.hadb.agent.mysql.MysqlMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the [drbd], [filesystem], [mysql] and [probe] sections. A node without them (a witness, or an agent
 * that only keeps membership) manages no resources; a data node that has one of them must have all of them.
 */
public final class ResourceConfigParser {
    private static final Set<String> DRBD = Set.of("resource", "drbdadm", "drbdsetup", "config_file",
            "command_timeout_ms", "promote_timeout_ms", "env");
    private static final Set<String> FS = Set.of("device", "mountpoint", "fstype", "options", "holder_timeout_ms");
    private static final Set<String> MYSQL = Set.of("mode", "unit", "command", "pid_file", "output", "datadir", "socket",
            "host", "port", "user", "password_file", "start_timeout_ms", "stop_timeout_ms", "health_interval_ms",
            "restart_limit", "restart_window_ms", "durability", "connect_timeout_ms", "query_timeout_ms");
    private static final Set<String> PROBE = Set.of("address", "tcp_port", "http_port");

    private ResourceConfigParser() {}

    public static Optional<ResourceConfig> parseFile(Path file, String nodeName) throws ConfigException {
        try {
            return parse(Files.readString(file), nodeName);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read configuration " + file + ": " + e.getMessage());
        }
    }

    public static Optional<ResourceConfig> parse(String toml, String nodeName) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            throw new ConfigException("", "not valid TOML: " + e.getMessage());
        }
        JsonNode drbd = table(root, "drbd"), fs = table(root, "filesystem"), my = table(root, "mysql"),
                probe = table(root, "probe");
        if (drbd == null && fs == null && my == null) return Optional.empty();
        for (String s : List.of("drbd", "filesystem", "mysql"))
            if (root.get(s) == null)
                throw new ConfigException(s, "missing: a node that manages resources needs [drbd], [filesystem] and [mysql]");
        checkKeys(drbd, "drbd.", DRBD, Set.of());
        checkKeys(fs, "filesystem.", FS, Set.of());
        checkKeys(my, "mysql.", MYSQL, Set.of());
        checkKeys(probe, "probe.", PROBE, Set.of());

        String resource = string(drbd, "resource", null, "drbd.");
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode envNode = drbd.get("env");
        if (envNode != null) {
            if (!envNode.isObject()) throw new ConfigException("drbd.env", "must be a table of strings");
            for (Iterator<Map.Entry<String, JsonNode>> it = envNode.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual()) throw new ConfigException("drbd.env." + e.getKey(), "must be a string");
                env.put(e.getKey(), e.getValue().asText());
            }
        }
        DrbdAdm.Settings settings = new DrbdAdm.Settings(string(drbd, "drbdadm", "drbdadm", "drbd."),
                string(drbd, "drbdsetup", "drbdsetup", "drbd."),
                Optional.ofNullable(drbd.get("config_file")).map(JsonNode::asText),
                ms(longValue(drbd, "command_timeout_ms", 10_000L, "drbd.", 100, 600_000)),
                ms(longValue(drbd, "promote_timeout_ms", 60_000L, "drbd.", 100, 3_600_000)), env);

        FilesystemConfig filesystem;
        try {
            filesystem = FilesystemConfig.of(string(fs, "device", null, "filesystem."),
                    string(fs, "mountpoint", null, "filesystem."),
                    string(fs, "fstype", FilesystemConfig.DEFAULT_FSTYPE, "filesystem."),
                    string(fs, "options", FilesystemConfig.DEFAULT_OPTIONS, "filesystem."),
                    ms(longValue(fs, "holder_timeout_ms", 5_000L, "filesystem.", 1, 600_000)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("filesystem", e.getMessage());
        }

        MysqlConfig mysql = mysql(my, nodeName);

        String address = string(probe, "address", "0.0.0.0", "probe.");
        int tcp = intValue(probe, "tcp_port", 6001, "probe.", 1, 65535);
        int http = intValue(probe, "http_port", 6002, "probe.", 1, 65535);
        if (tcp == http) throw new ConfigException("probe.http_port", "must differ from probe.tcp_port");
        return Optional.of(new ResourceConfig(resource, settings, filesystem, mysql, new InetSocketAddress(address, tcp),
                new InetSocketAddress(address, http)));
    }

    private static MysqlConfig mysql(JsonNode my, String nodeName) throws ConfigException {
        String p = "mysql.";
        String modeText = string(my, "mode", null, p);
        MysqlMode mode = switch (modeText) {
            case "exec" -> MysqlMode.EXEC;
            case "systemd" -> MysqlMode.SYSTEMD;
            default -> throw new ConfigException(p + "mode", "must be \"exec\" or \"systemd\", got \"" + modeText + "\"");
        };
        List<String> command = new ArrayList<>();
        JsonNode c = my.get("command");
        if (c != null) {
            if (!c.isArray()) throw new ConfigException(p + "command", "must be a list of strings");
            for (JsonNode a : c) command.add(a.asText());
        }
        String durability = string(my, "durability", "warn", p);
        DurabilityPolicy policy = switch (durability) {
            case "warn" -> DurabilityPolicy.WARN;
            case "refuse" -> DurabilityPolicy.REFUSE;
            default -> throw new ConfigException(p + "durability", "must be \"warn\" or \"refuse\", got \"" + durability + "\"");
        };
        try {
            return new MysqlConfig(mode, my.has("unit") ? my.get("unit").asText() : null, command,
                    path(my, "pid_file"), path(my, "datadir"), path(my, "socket"), string(my, "host", "127.0.0.1", p),
                    intValue(my, "port", 3306, p, 1, 65535), string(my, "user", "hadb", p), path(my, "password_file"),
                    path(my, "output"), nodeName,
                    ms(longValue(my, "connect_timeout_ms", 1_000L, p, 1, 600_000)),
                    ms(longValue(my, "query_timeout_ms", 2_000L, p, 1, 600_000)),
                    ms(longValue(my, "start_timeout_ms", 60_000L, p, 1, 3_600_000)),
                    ms(longValue(my, "stop_timeout_ms", 30_000L, p, 1, 3_600_000)),
                    ms(longValue(my, "health_interval_ms", 1_000L, p, 10, 600_000)),
                    intValue(my, "restart_limit", 3, p, 0, 1000),
                    ms(longValue(my, "restart_window_ms", 600_000L, p, 1, 86_400_000)), policy);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            String key = msg.startsWith("mysql.") ? msg.substring(0, msg.indexOf(' ')) : "mysql";
            throw new ConfigException(key, msg.startsWith(key) ? msg.substring(key.length()).strip() : msg);
        }
    }

    private static Path path(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null ? null : Path.of(v.asText());
    }

    private static Duration ms(long ms) {
        return Duration.ofMillis(ms);
    }
}
