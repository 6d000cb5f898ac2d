package io.hadb.agent.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The few libc calls the resource drivers need. Methods that declare LastErrorException make
 * JNA capture errno right after the call, before anything else can overwrite it.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int SIGKILL = 9;
    int SIGTERM = 15;
    int EPERM = 1;
    int ENOENT = 2;
    int ESRCH = 3;
    int EBUSY = 16;
    int EINVAL = 22;
    int O_RDONLY = 0;
    int O_EXCL = 0200;
    int O_CLOEXEC = 02000000;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int mount(String source, String target, String fstype, NativeLong flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    String strerror(int errno);

    /** errno as the operator reads it, e.g. "Device or resource busy (errno 16)". */
    static String describe(int errno) {
        String text;
        try {
            text = INSTANCE.strerror(errno);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            text = null;
        }
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }
}
