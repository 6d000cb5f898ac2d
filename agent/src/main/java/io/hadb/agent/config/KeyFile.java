package io.hadb.agent.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The cluster's shared key, as Corosync's authkey: raw bytes, at least 32, readable by its owner only. The
 * key's bytes are never logged or put in an error message.
 */
public final class KeyFile {
    public static final int MIN_BYTES = 32;
    public static final int MAX_BYTES = 4096;
    public static final int GENERATED_BYTES = 64;

    /** Why a key file is refused. */
    public static final class KeyFileException extends Exception {
        public KeyFileException(String message) {
            super(message);
        }
    }

    private KeyFile() {}

    /** Reads and checks the key file: present, a regular file, owner-only, 32..4096 bytes. */
    public static byte[] read(Path file) throws KeyFileException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file))
            throw new KeyFileException("key file " + file + " does not exist: create one with `hadb-agent keygen "
                    + file + "` and copy it to every node");
        if (!Files.isRegularFile(file)) throw new KeyFileException("key file " + file + " is not a regular file");
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new KeyFileException("key file " + file + " has mode "
                            + PosixFilePermissions.toString(perms) + ": other users can read or change it; run "
                            + "`chmod 0400 " + file + "`");
                }
            }
        } catch (UnsupportedOperationException | IOException e) {
            throw new KeyFileException("cannot check the permissions of key file " + file + ": " + e.getMessage());
        }
        byte[] key;
        try {
            key = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new KeyFileException("key file " + file + " is not readable by this user");
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + e.getMessage());
        }
        if (key.length < MIN_BYTES)
            throw new KeyFileException("key file " + file + " holds " + key.length + " bytes, fewer than " + MIN_BYTES
                    + ": generate a new one with `hadb-agent keygen`");
        if (key.length > MAX_BYTES)
            throw new KeyFileException("key file " + file + " holds " + key.length + " bytes, more than " + MAX_BYTES
                    + ": is it the right file?");
        return key;
    }

    /** Writes {@link #GENERATED_BYTES} random bytes to a new file of mode 0400; never overwrites. */
    public static void generate(Path file) throws IOException {
        byte[] key = new byte[GENERATED_BYTES];
        new SecureRandom().nextBytes(key);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        if (Files.exists(file)) throw new FileAlreadyExistsException(file + " exists; not overwriting a cluster key");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(file, key, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    static boolean missing(Path file) {
        try {
            Files.readAttributes(file, "size");
            return false;
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
