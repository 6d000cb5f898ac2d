package io.hadb.agent.state;

import io.hadb.protocol.PersistentState;
import io.hadb.protocol.wire.PersistentStateCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The node's persistent protocol state in {@code data_dir/state}: written to a temporary file, fsynced,
 * renamed over the old one, and the directory fsynced, so that after a crash the file holds either the old
 * or the new state, whole. A file that cannot be read back is an error, never a fresh start: starting over at
 * term 0 could make this node vote twice in a term.
 */
public final class StateStore {
    /** The state file exists but cannot be trusted. */
    public static final class CorruptStateException extends Exception {
        public CorruptStateException(String message) {
            super(message);
        }
    }

    private final Path dir;
    private final Path file;
    private final Path tmp;

    public StateStore(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve("state");
        this.tmp = dataDir.resolve("state.tmp");
    }

    public Path file() {
        return file;
    }

    /** The stored state, or {@link PersistentState#INITIAL} on the very first start (no file). */
    public PersistentState load() throws CorruptStateException, IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return PersistentState.INITIAL;
        }
        try {
            return PersistentStateCodec.decode(b);
        } catch (IllegalArgumentException e) {
            throw new CorruptStateException("state file " + file + " is unreadable (" + e.getMessage() + "); refusing to "
                    + "start, since forgetting the term and vote could let this node vote twice. Restore it from a backup, "
                    + "or, only if every other node is up and has a master, move it aside to rejoin as a new node");
        }
    }

    /** Creates the data directory (mode 0700) when missing. */
    public void prepare() throws IOException {
        if (!Files.isDirectory(dir))
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Writes {@code s} durably: when this returns, a crash cannot lose it. */
    public void save(PersistentState s) throws IOException {
        byte[] b = PersistentStateCodec.encode(s);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
