package io.hadb.agent.fs;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the mount namespaces other than this process's own that have a device mounted, from every
 * process's mountinfo under a proc root, and unmounts it there (nsenter, then umount; never lazily).
 */
final class ForeignMountScanner {
    private static final Duration UMOUNT_TIMEOUT = Duration.ofSeconds(10);

    private final Path procRoot;
    private final CommandRunner runner;

    ForeignMountScanner(Path procRoot, CommandRunner runner) {
        this.procRoot = procRoot;
        this.runner = runner;
    }

    /** @param majorMinor the device's number as mountinfo prints it, "147:1" */
    List<ForeignMount> find(String majorMinor) {
        String own = namespaceOf(procRoot.resolve("self"));
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) pids.add(Long.parseLong(d.getFileName().toString()));
        } catch (IOException e) {
            return List.of();
        }
        pids.sort(null); // the lowest pid of a namespace speaks for it
        Set<String> seen = new HashSet<>();
        List<ForeignMount> found = new ArrayList<>();
        for (long pid : pids) {
            Path dir = procRoot.resolve(Long.toString(pid));
            String ns = namespaceOf(dir);
            if (ns == null || ns.equals(own) || seen.contains(ns)) continue;
            List<String> points = new ArrayList<>();
            try {
                for (MountEntry e : MountInfoParser.parse(Files.readString(dir.resolve("mountinfo")))) {
                    if (e.majorMinor().equals(majorMinor)) points.add(e.mountPoint());
                }
            } catch (IOException | IllegalArgumentException e) {
                continue; // the process exited meanwhile
            }
            seen.add(ns);
            if (!points.isEmpty()) found.add(new ForeignMount(pid, command(dir), ns, points));
        }
        return found;
    }

    /**
     * Unmounts the device everywhere that namespace has it, the last mount first.
     *
     * @throws FilesystemException with umount's own words (busy there, or the namespace could not be entered)
     */
    void unmount(ForeignMount f) throws FilesystemException {
        for (int i = f.mountPoints().size() - 1; i >= 0; i--) {
            String mp = f.mountPoints().get(i);
            CommandResult r;
            try {
                r = runner.run(UMOUNT_TIMEOUT, List.of("nsenter", "--target", Long.toString(f.pid()), "--mount", "--",
                        "umount", mp));
            } catch (IOException e) {
                throw new FilesystemException("cannot unmount " + mp + " in the mount namespace of pid " + f.pid() + ": "
                        + e.getMessage());
            }
            if (!r.ok()) {
                throw new FilesystemException("cannot unmount " + mp + " in the mount namespace " + f.namespace() + " of pid "
                        + f.pid() + " (" + f.command() + "): " + r.summary() + "; stop what uses it there, or end pid "
                        + f.pid() + "'s namespace");
            }
        }
    }

    private static String namespaceOf(Path procDir) {
        try {
            return Files.readSymbolicLink(procDir.resolve("ns").resolve("mnt")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String command(Path procDir) {
        try {
            return Files.readString(procDir.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
