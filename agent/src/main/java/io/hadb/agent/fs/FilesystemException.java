package io.hadb.agent.fs;

import java.io.IOException;

/** A mount or unmount that did not happen, with the reason and, when the kernel refused, its errno. */
public class FilesystemException extends IOException {
    private final int errno;

    public FilesystemException(String message) {
        this(message, 0);
    }

    public FilesystemException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The kernel's errno for a refused mount(2)/umount2(2); 0 when the refusal is hadb's own. */
    public int errno() {
        return errno;
    }
}
