package io.hadb.agent.state;

import io.hadb.protocol.wire.Incarnation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/**
 * Picks this start's incarnation and remembers it in {@code data_dir/incarnation}, so the next start is
 * higher even if the wall clock stepped back (peers would otherwise drop it as a replay).
 */
public final class IncarnationStore {
    private IncarnationStore() {}

    public static long next(Path dataDir) throws IOException {
        Path f = dataDir.resolve("incarnation");
        long previous = 0;
        try {
            previous = Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException e) {
            // first start
        } catch (NumberFormatException e) {
            // unreadable: the clock-based value is still almost certainly higher
        }
        long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        long inc = Incarnation.next(micros, new SecureRandom().nextLong(), previous);
        Path tmp = dataDir.resolve("incarnation.tmp");
        Files.writeString(tmp, Long.toString(inc) + "\n", StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StateStore.fsyncDirectory(dataDir);
        return inc;
    }
}
