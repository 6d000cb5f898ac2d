package io.hadb.agent.probe;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.hadb.agent.os.LibC;
import java.lang.ref.Reference;

/**
 * The few bpf(2) commands the probe gate needs, and attaching a program to a socket, through libc's
 * syscall(2) (glibc has no bpf() wrapper). Each {@code union bpf_attr} is laid out by hand at the offsets of
 * linux/bpf.h; every failure becomes a {@link ProbeGateException} naming the command and errno.
 */
final class BpfSyscalls {
    private BpfSyscalls() {
    }

    interface Native64 extends Library {
        Native64 C = Native.load("c", Native64.class);

        long syscall(long number, long cmd, Pointer attr, long size) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Pointer value, int len) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int clock_gettime(int clock, Pointer timespec) throws LastErrorException;
    }

    // linux/bpf.h commands and types
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_MAP_TYPE_ARRAY = 2;
    static final int BPF_PROG_TYPE_SOCKET_FILTER = 1;
    static final long BPF_ANY = 0;
    // asm-generic/socket.h
    static final int SOL_SOCKET = 1;
    static final int SO_ATTACH_BPF = 50;
    static final int CLOCK_MONOTONIC = 1;
    /** Bytes of bpf_attr passed; beyond the fields used all zero, which every kernel since 4.x accepts. */
    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 64 * 1024;
    private static final int NAME_LENGTH = 16; // BPF_OBJ_NAME_LEN, with its NUL

    /** bpf(2)'s number on this machine's architecture. */
    static long sysBpf() throws ProbeGateException {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> 321;
            case "aarch64" -> 280;
            default -> throw new ProbeGateException("bpf() syscall number unknown for architecture " + arch);
        };
    }

    /** BPF_MAP_CREATE of an array of {@code entries} values of {@code valueSize} bytes, keyed by u32. */
    static int createArrayMap(String name, int valueSize, int entries) throws ProbeGateException {
        Memory attr = attr();
        attr.setInt(0, BPF_MAP_TYPE_ARRAY); // map_type
        attr.setInt(4, 4); // key_size
        attr.setInt(8, valueSize); // value_size
        attr.setInt(12, entries); // max_entries
        setName(attr, 28, name); // map_name, after map_flags, inner_map_fd, numa_node
        return (int) bpf(BPF_MAP_CREATE, attr, "BPF_MAP_CREATE");
    }

    /**
     * BPF_PROG_LOAD of a socket filter. On failure it loads again with the verifier's log on, so that the
     * error says what the verifier refused.
     */
    static int loadSocketFilter(String name, byte[] instructions) throws ProbeGateException {
        try {
            return load(name, instructions, null);
        } catch (ProbeGateException first) {
            Memory log = new Memory(LOG_SIZE);
            log.setByte(0, (byte) 0);
            try {
                return load(name, instructions, log); // a transient failure may pass the second time
            } catch (ProbeGateException withLog) {
                String text = log.getString(0).strip();
                if (text.length() > 4000) text = "..." + text.substring(text.length() - 4000);
                throw new ProbeGateException(withLog.getMessage()
                        + (text.isEmpty() ? "" : "; verifier log: " + text.replace('\n', '|')));
            }
        }
    }

    private static int load(String name, byte[] instructions, Memory log) throws ProbeGateException {
        Memory insns = new Memory(instructions.length);
        insns.write(0, instructions, 0, instructions.length);
        Memory license = new Memory(4);
        license.setString(0, "GPL", "US-ASCII");
        Memory attr = attr();
        attr.setInt(0, BPF_PROG_TYPE_SOCKET_FILTER); // prog_type
        attr.setInt(4, instructions.length / SocketFilterProgram.INSTRUCTION_SIZE); // insn_cnt
        attr.setLong(8, Pointer.nativeValue(insns)); // insns
        attr.setLong(16, Pointer.nativeValue(license)); // license
        if (log != null) {
            attr.setInt(24, 1); // log_level
            attr.setInt(28, (int) log.size()); // log_size
            attr.setLong(32, Pointer.nativeValue(log)); // log_buf
        }
        setName(attr, 48, name); // prog_name, after kern_version and prog_flags
        try {
            return (int) bpf(BPF_PROG_LOAD, attr, "BPF_PROG_LOAD");
        } finally {
            Reference.reachabilityFence(insns);
            Reference.reachabilityFence(license);
            Reference.reachabilityFence(log);
        }
    }

    /** BPF_MAP_UPDATE_ELEM: {@code map[key] = value} for a map of u32 keys and u64 values. */
    static void updateElement(int mapFd, int key, long value) throws ProbeGateException {
        Memory k = new Memory(4);
        k.setInt(0, key);
        Memory v = new Memory(8);
        v.setLong(0, value);
        Memory attr = attr();
        attr.setInt(0, mapFd); // map_fd (then 4 bytes of padding)
        attr.setLong(8, Pointer.nativeValue(k)); // key
        attr.setLong(16, Pointer.nativeValue(v)); // value
        attr.setLong(24, BPF_ANY); // flags
        try {
            bpf(BPF_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
        } finally {
            Reference.reachabilityFence(k);
            Reference.reachabilityFence(v);
        }
    }

    /** setsockopt(SO_ATTACH_BPF): the socket filters its incoming packets through the program from now on. */
    static void attachToSocket(int socketFd, int programFd) throws ProbeGateException {
        Memory p = new Memory(4);
        p.setInt(0, programFd);
        try {
            Native64.C.setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, p, 4);
        } catch (LastErrorException e) {
            throw new ProbeGateException("setsockopt(fd " + socketFd + ", SO_ATTACH_BPF) failed: "
                    + LibC.describe(e.getErrorCode()));
        } finally {
            Reference.reachabilityFence(p);
        }
    }

    /** clock_gettime(CLOCK_MONOTONIC) in ns: the clock of bpf_ktime_get_ns(). */
    static long monotonicNanos() throws ProbeGateException {
        Memory ts = new Memory(16);
        try {
            Native64.C.clock_gettime(CLOCK_MONOTONIC, ts);
        } catch (LastErrorException e) {
            throw new ProbeGateException("clock_gettime(CLOCK_MONOTONIC) failed: " + LibC.describe(e.getErrorCode()));
        }
        return ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
    }

    static void close(int fd) {
        try {
            Native64.C.close(fd);
        } catch (LastErrorException ignored) {
            // already closed: nothing left to release
        }
    }

    private static Memory attr() {
        Memory m = new Memory(ATTR_SIZE);
        m.clear();
        return m;
    }

    private static void setName(Memory attr, long offset, String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        attr.write(offset, b, 0, Math.min(b.length, NAME_LENGTH - 1));
    }

    private static long bpf(int cmd, Memory attr, String what) throws ProbeGateException {
        long nr = sysBpf();
        try {
            return Native64.C.syscall(nr, cmd, attr, ATTR_SIZE);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            String hint = switch (errno) {
                case 1 -> " (needs root or CAP_BPF)";
                case 38 -> " (kernel without bpf())";
                default -> "";
            };
            throw new ProbeGateException("bpf(" + what + ") failed: " + LibC.describe(errno) + hint);
        } finally {
            Reference.reachabilityFence(attr);
        }
    }
}
