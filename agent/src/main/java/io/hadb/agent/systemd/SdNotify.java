package io.hadb.agent.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by NOTIFY_SOCKET (a path, or an
 * abstract name written with a leading '@'). Java's own Unix sockets are stream-only, so the datagram goes
 * through libc's socket/sendto.
 */
public final class SdNotify implements AutoCloseable {
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_DONTWAIT = 0x40;
    static final int SUN_PATH = 108;

    interface Lib extends Library {
        Lib INSTANCE = Native.load("c", Lib.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final String target;
    private final byte[] address;
    private int fd = -1;

    private SdNotify(String target) {
        this.target = target;
        this.address = sockaddr(target);
    }

    /** The notifier for this process's NOTIFY_SOCKET, if systemd set one. */
    public static Optional<SdNotify> fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    public static Optional<SdNotify> of(String notifySocket) {
        if (notifySocket == null || notifySocket.isEmpty()) return Optional.empty();
        if (!notifySocket.startsWith("/") && !notifySocket.startsWith("@"))
            throw new IllegalArgumentException("NOTIFY_SOCKET must be a path or an @abstract name, got " + notifySocket);
        return Optional.of(new SdNotify(notifySocket));
    }

    /** struct sockaddr_un: sa_family_t (native short), then the path; an abstract name starts with NUL. */
    public static byte[] sockaddr(String name) {
        byte[] p = name.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name.startsWith("@");
        if (p.length > (abstractName ? SUN_PATH : SUN_PATH - 1))
            throw new IllegalArgumentException("NOTIFY_SOCKET too long for a Unix socket address: " + name);
        // a path is NUL-terminated; an abstract name is exactly its bytes (the length says where it ends)
        ByteBuffer b = ByteBuffer.allocate(2 + p.length + (abstractName ? 0 : 1)).order(ByteOrder.nativeOrder());
        b.putShort((short) AF_UNIX);
        b.put(p);
        if (abstractName) b.put(2, (byte) 0);
        return b.array();
    }

    /** Sends one notification, e.g. "READY=1\nSTATUS=master". */
    public synchronized void send(String state) throws IOException {
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        try {
            if (fd < 0) fd = Lib.INSTANCE.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            // never block: a notify socket nobody reads (a full queue) must not stall the agent or its shutdown
            Lib.INSTANCE.sendto(fd, msg, msg.length, MSG_NOSIGNAL | MSG_DONTWAIT, address, address.length);
        } catch (LastErrorException e) {
            throw new IOException("sd_notify to " + target + " failed: " + io.hadb.agent.os.LibC.describe(e.getErrorCode()));
        }
    }

    public String target() {
        return target;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                Lib.INSTANCE.close(fd);
            } catch (LastErrorException ignored) {
                // nothing to do about it
            }
            fd = -1;
        }
    }
}
