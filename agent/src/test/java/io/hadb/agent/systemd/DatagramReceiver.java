package io.hadb.agent.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A Unix datagram socket bound to a path or an @abstract name, as systemd's notify socket is. For tests. */
public final class DatagramReceiver implements AutoCloseable {
    interface Lib extends Library {
        Lib INSTANCE = Native.load("c", Lib.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags);

        int close(int fd);
    }

    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private final int fd;

    public DatagramReceiver(String name) {
        fd = Lib.INSTANCE.socket(SdNotify.AF_UNIX, SdNotify.SOCK_DGRAM, 0);
        byte[] a = SdNotify.sockaddr(name);
        Lib.INSTANCE.bind(fd, a, a.length);
        // struct timeval { long tv_sec; long tv_usec; }: 200 ms, so receive() can poll a deadline
        ByteBuffer tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        tv.putLong(0).putLong(200_000);
        Lib.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv.array(), 16);
    }

    /** The next datagram, or null if none came within {@code timeoutMs}. */
    public String receive(long timeoutMs) {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        byte[] buf = new byte[4096];
        while (System.nanoTime() < end) {
            long n = Lib.INSTANCE.recv(fd, buf, buf.length, 0);
            if (n >= 0) return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        }
        return null;
    }

    @Override
    public void close() {
        Lib.INSTANCE.close(fd);
    }
}
