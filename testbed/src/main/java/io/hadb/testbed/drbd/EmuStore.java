package io.hadb.testbed.drbd;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The shared state directory: DIR/RES/state.json, DIR/RES/lock, and each node's event log
 * DIR/RES/events.NODE. Several emulator processes (both nodes' commands, every events2 stream)
 * work on it at once, so every read-modify-write holds an exclusive FileChannel lock.
 */
final class EmuStore {
    interface Transaction<T> {
        T run(EmuState state) throws IOException;
    }

    private final Path resDir;

    EmuStore(Path dir, String resource) {
        this.resDir = dir.resolve(resource);
    }

    Path resDir() {
        return resDir;
    }

    Path eventLog(String node) {
        return resDir.resolve("events." + node);
    }

    /** Runs tx with the lock held; the state it leaves is written back atomically. */
    <T> T locked(Transaction<T> tx) throws IOException {
        Files.createDirectories(resDir);
        try (FileChannel ch = FileChannel.open(resDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            Path file = resDir.resolve("state.json");
            EmuState s = EmuState.fromJson(Files.exists(file) ? Files.readString(file) : "");
            T result = tx.run(s);
            Path tmp = resDir.resolve("state.json.tmp");
            Files.writeString(tmp, s.toJson(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return result;
        }
    }

    /** Appends lines to a node's event log; call with the lock held so logs keep the state's order. */
    void append(String node, java.util.List<String> lines) throws IOException {
        if (lines.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        for (String l : lines) b.append(l).append('\n');
        Files.writeString(eventLog(node), b.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    long logSize(String node) throws IOException {
        Path p = eventLog(node);
        return Files.exists(p) ? Files.size(p) : 0;
    }
}
