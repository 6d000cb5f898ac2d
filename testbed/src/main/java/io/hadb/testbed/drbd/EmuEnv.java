package io.hadb.testbed.drbd;

import java.nio.file.Path;
import java.util.Map;

/**
 * Who and where an emulator process is: HADB_EMU_NODE (the `on NAME` it plays), HADB_EMU_DIR
 * (the state directory all emulated nodes share), HADB_EMU_CONF (or -c, or /etc/drbd.conf),
 * HADB_EMU_KERNEL (8.4, the default, or 9) and HADB_EMU_SYNC_MS (how long a resync takes).
 */
record EmuEnv(String node, Path dir, Path conf, boolean kernel9, long syncMillis) {

    static EmuEnv from(Map<String, String> env, String confOption) {
        String node = env.getOrDefault("HADB_EMU_NODE", "");
        String dir = env.getOrDefault("HADB_EMU_DIR", "");
        if (dir.isEmpty()) throw new IllegalArgumentException("HADB_EMU_DIR is not set (the emulator's shared state directory)");
        String conf = confOption != null ? confOption : env.getOrDefault("HADB_EMU_CONF", "/etc/drbd.conf");
        String kernel = env.getOrDefault("HADB_EMU_KERNEL", "8.4");
        if (!kernel.equals("8.4") && !kernel.equals("9")) {
            throw new IllegalArgumentException("HADB_EMU_KERNEL must be 8.4 or 9, not '" + kernel + "'");
        }
        long sync = Long.parseLong(env.getOrDefault("HADB_EMU_SYNC_MS", "400"));
        return new EmuEnv(node, Path.of(dir), Path.of(conf), kernel.equals("9"), sync);
    }

    EmuEnv asNode(String other) {
        return new EmuEnv(other, dir, conf, kernel9, syncMillis);
    }
}
