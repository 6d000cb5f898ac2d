package io.hadb.testbed.lb;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens sockets inside a named network namespace without a second process: one dedicated thread
 * enters the namespace with setns(2) (which moves only the calling thread) and does nothing but
 * create sockets there; a socket keeps its namespace for life, so it is then used from any thread.
 * The thread does nothing else so that no other thread, socket or child process is born inside
 * the namespace by accident.
 */
public final class NetnsSockets implements AutoCloseable {
    private interface Ns extends Library {
        Ns C = Native.load("c", Ns.class);
        int O_RDONLY_CLOEXEC = 02000000;
        int CLONE_NEWNET = 0x40000000;

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final String namespace;
    private final ExecutorService thread;

    public NetnsSockets(String namespace) throws IOException {
        this.namespace = namespace;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + namespace);
            t.setDaemon(true);
            return t;
        });
        try {
            call(() -> {
                enter(namespace);
                return null;
            });
        } catch (IOException e) {
            thread.shutdownNow();
            throw new IOException("cannot enter network namespace " + namespace + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves the calling thread (only it) into the named network namespace for good: every socket it opens
     * from now on lives there. For a thread dedicated to that namespace, e.g. a client whose library opens
     * its own sockets. @throws LastErrorException when the namespace cannot be entered
     */
    public static void enter(String namespace) {
        int fd = Ns.C.open("/run/netns/" + namespace, Ns.O_RDONLY_CLOEXEC);
        try {
            Ns.C.setns(fd, Ns.CLONE_NEWNET);
        } finally {
            Ns.C.close(fd);
        }
    }

    public String namespace() {
        return namespace;
    }

    /** An unconnected, blocking IPv4 TCP socket that lives in the namespace. */
    public SocketChannel openTcp() throws IOException {
        return call(() -> SocketChannel.open(StandardProtocolFamily.INET));
    }

    /** An unbound IPv4 server socket that lives in the namespace. */
    public ServerSocketChannel openServer() throws IOException {
        return call(() -> ServerSocketChannel.open(StandardProtocolFamily.INET));
    }

    private <T> T call(Callable<T> task) throws IOException {
        Future<T> f;
        try {
            f = thread.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("sockets of namespace " + namespace + " are closed", e);
        }
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof LastErrorException le)
                throw new IOException(le.getMessage() + " (errno " + le.getErrorCode() + ")", le);
            throw new IOException(String.valueOf(c), c);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IOException("namespace " + namespace + ": socket creation hung", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Ends the thread, which drops its reference to the namespace. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
