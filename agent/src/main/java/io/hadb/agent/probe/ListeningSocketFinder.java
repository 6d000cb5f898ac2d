package io.hadb.agent.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the file descriptor of this process's listening TCP socket on a port without reaching into the JDK:
 * the socket's inode from /proc/self/net/tcp and tcp6 (the LISTEN entries on that port), then the
 * /proc/self/fd entry whose link is {@code socket:[inode]}. Parsing is pure ({@link #parse}, {@link
 * #socketInode}); {@link #find} does the reading.
 */
final class ListeningSocketFinder {
    private ListeningSocketFinder() {
    }

    /** One LISTEN entry of /proc/net/tcp or tcp6. */
    record Listener(InetAddress address, int port, long inode) {
    }

    private static final String LISTEN = "0A"; // TCP_LISTEN in the kernel's hex state column
    private static final Path PROC_NET = Path.of("/proc/self/net");
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    /**
     * The fds of this process's sockets listening on TCP {@code port} (any local address, IPv4 or IPv6).
     * Several only if the process listens on the port more than once; empty if it does not listen on it.
     */
    static List<Integer> find(int port) throws ProbeGateException {
        Set<Long> inodes = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            String text;
            try {
                text = Files.readString(PROC_NET.resolve(table));
            } catch (NoSuchFileException e) {
                continue; // tcp6 is absent when IPv6 is disabled
            } catch (IOException e) {
                throw new ProbeGateException("cannot read " + PROC_NET.resolve(table) + ": " + e.getMessage());
            }
            for (Listener l : parse(text)) if (l.port() == port && l.inode() != 0) inodes.add(l.inode());
        }
        List<Integer> fds = new ArrayList<>();
        if (inodes.isEmpty()) return fds;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC_FD)) {
            for (Path fd : dir) {
                long inode;
                try {
                    inode = socketInode(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    continue; // closed while we looked: not ours to gate
                }
                if (inodes.contains(inode)) fds.add(Integer.parseInt(fd.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new ProbeGateException("cannot list " + PROC_FD + ": " + e.getMessage());
        }
        fds.sort(null);
        return fds;
    }

    /**
     * The LISTEN entries of a /proc/net/tcp or tcp6 table, in its order. The header line is skipped; a line
     * that does not have the kernel's columns is an error that quotes it.
     */
    static List<Listener> parse(String table) throws ProbeGateException {
        List<Listener> out = new ArrayList<>();
        for (String raw : table.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("sl")) continue;
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            String[] f = line.split("\\s+");
            if (f.length < 10 || !f[0].endsWith(":")) throw bad(line, "fewer columns than the kernel writes");
            if (!f[3].equalsIgnoreCase(LISTEN)) continue;
            int colon = f[1].indexOf(':');
            if (colon < 0) throw bad(line, "local address without a port");
            InetAddress address = address(f[1].substring(0, colon), line);
            int port;
            long inode;
            try {
                port = Integer.parseInt(f[1].substring(colon + 1), 16);
                inode = Long.parseLong(f[9]);
            } catch (NumberFormatException e) {
                throw bad(line, "port or inode is not a number");
            }
            if (port < 0 || port > 65535) throw bad(line, "port out of range");
            out.add(new Listener(address, port, inode));
        }
        return out;
    }

    /** The inode of a /proc/self/fd link such as {@code socket:[12345]}, or -1 when it is not a socket. */
    static long socketInode(String link) {
        if (!link.startsWith("socket:[") || !link.endsWith("]")) return -1;
        try {
            return Long.parseLong(link.substring(8, link.length() - 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The kernel prints each 32-bit word of the address as a number in the machine's byte order ({@code %08X}
     * of the network-order word), so on a little-endian machine every word's bytes come out reversed.
     */
    private static InetAddress address(String hex, String line) throws ProbeGateException {
        if (hex.length() != 8 && hex.length() != 32) throw bad(line, "address is neither IPv4 nor IPv6");
        byte[] bytes = new byte[hex.length() / 2];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < bytes.length / 4; word++) {
            long v;
            try {
                v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            } catch (NumberFormatException e) {
                throw bad(line, "address is not hexadecimal");
            }
            for (int i = 0; i < 4; i++) {
                int shift = little ? 8 * i : 8 * (3 - i);
                bytes[word * 4 + i] = (byte) (v >>> shift);
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw bad(line, "address has a wrong length"); // cannot happen for 4 or 16 bytes
        }
    }

    private static ProbeGateException bad(String line, String why) {
        return new ProbeGateException("unexpected line in /proc/net/tcp (" + why + "): " + line);
    }
}
