package io.hadb.agent.fs;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        Map<String, ForeignMount> byNamespace = new LinkedHashMap<>();
        TreeMap<Long, Path> pids = new TreeMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) pids.put(Long.parseLong(d.getFileName().toString()), d);
        } catch (IOException e) {
            return List.of();
        }
        for (Map.Entry<Long, Path> p : pids.entrySet()) {
            String ns = namespaceOf(p.getValue());
            if (ns == null || ns.equals(own) || byNamespace.containsKey(ns)) continue;
            List<String> points = new ArrayList<>();
            try {
                for (MountEntry e : MountInfoParser.parse(Files.readString(p.getValue().resolve("mountinfo")))) {
                    if (e.majorMinor().equals(majorMinor)) points.add(e.mountPoint());
                }
            } catch (IOException | IllegalArgumentException e) {
                continue; // the process exited meanwhile
            }
            // an empty entry still marks the namespace as seen, so that its other processes are skipped
            byNamespace.put(ns, points.isEmpty() ? null : new ForeignMount(p.getKey(), command(p.getValue()), ns, points));
        }
        List<ForeignMount> found = new ArrayList<>();
        for (ForeignMount f : byNamespace.values()) if (f != null) found.add(f);
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
