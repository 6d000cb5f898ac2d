package io.hadb.agent.fs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the processes that keep a mount busy, as fuser -m does: by their working directory, root,
 * open files and mapped files under the mountpoint, read from a proc tree. The proc root is a
 * parameter so that the scan is tested on a made-up tree as well as on the real /proc.
 * Processes that exit during the scan are skipped.
 */
public final class HolderScanner {
    private final Path procRoot;

    public HolderScanner(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** @param mountpoint the mountpoint as mountinfo shows it (canonical, no trailing slash) */
    public List<Holder> scan(String mountpoint) {
        List<Holder> holders = new ArrayList<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(procRoot, p -> isPid(p.getFileName().toString()))) {
            for (Path dir : pids) {
                Holder h = scanProcess(dir, mountpoint);
                if (h != null) holders.add(h);
            }
        } catch (IOException e) {
            // an unreadable proc root means no holder can be found; the caller reports the busy mount
        }
        holders.sort((a, b) -> Long.compare(a.pid(), b.pid()));
        return holders;
    }

    private static Holder scanProcess(Path dir, String mountpoint) {
        long pid = Long.parseLong(dir.getFileName().toString());
        List<String> holds = new ArrayList<>();
        link(dir.resolve("cwd")).filter(t -> isUnder(t, mountpoint)).ifPresent(t -> holds.add("cwd " + t));
        link(dir.resolve("root")).filter(t -> isUnder(t, mountpoint)).ifPresent(t -> holds.add("root " + t));
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
            List<Path> sorted = new ArrayList<>();
            fds.forEach(sorted::add);
            sorted.sort((a, b) -> compareNumeric(a.getFileName().toString(), b.getFileName().toString()));
            for (Path fd : sorted) {
                link(fd).filter(t -> isUnder(t, mountpoint))
                        .ifPresent(t -> holds.add("fd " + fd.getFileName() + " " + t));
            }
        } catch (IOException | SecurityException e) {
            // process gone or fd table unreadable
        }
        try {
            for (String mapped : mappedPaths(Files.readString(dir.resolve("maps")))) {
                if (isUnder(mapped, mountpoint)) holds.add("maps " + mapped);
            }
        } catch (IOException | SecurityException e) {
            // process gone, or a kernel thread without maps
        }
        if (holds.isEmpty()) return null;
        String comm;
        try {
            comm = Files.readString(dir.resolve("comm")).strip();
        } catch (IOException e) {
            comm = "?";
        }
        return new Holder(pid, comm, holds);
    }

    private static java.util.Optional<String> link(Path p) {
        try {
            return java.util.Optional.of(Files.readSymbolicLink(p).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The distinct file paths in a /proc/[pid]/maps text, in order of appearance. The path is the
     * sixth column and may itself contain spaces; pseudo-paths such as [heap] are left out.
     */
    static List<String> mappedPaths(String maps) {
        Set<String> paths = new LinkedHashSet<>();
        for (String line : maps.split("\n")) {
            String[] f = line.strip().split("\\s+", 6);
            if (f.length < 6) continue;
            String path = f[5].strip();
            if (path.startsWith("/")) paths.add(path);
        }
        return new ArrayList<>(paths);
    }

    /**
     * Whether a path the kernel printed (possibly ending in " (deleted)") lies on the mount.
     * "/mnt/a" is not under "/mnt/ab".
     */
    static boolean isUnder(String path, String mountpoint) {
        if (mountpoint.equals("/")) return path.startsWith("/");
        String p = path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
        return p.equals(mountpoint) || p.startsWith(mountpoint + "/");
    }

    static boolean isPid(String name) {
        if (name.isEmpty() || name.length() > 10) return false;
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) return false;
        }
        return true;
    }

    private static int compareNumeric(String a, String b) {
        if (isPid(a) && isPid(b)) return Long.compare(Long.parseLong(a), Long.parseLong(b));
        return a.compareTo(b);
    }
}
