package io.hadb.agent.fs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A mount options string ("noatime,nodev,data=ordered") split the way mount(8) does: the
 * generic options become MS_* flags for mount(2), everything else is the filesystem's own data
 * string, passed through for the filesystem to judge.
 */
public record MountOptions(long flags, String data, Set<String> generic) {
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_SYNCHRONOUS = 16;
    static final long MS_DIRSYNC = 128;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_RELATIME = 1L << 21;
    static final long MS_STRICTATIME = 1L << 24;
    static final long MS_LAZYTIME = 1L << 25;

    /** Options that set a flag. */
    private static final Map<String, Long> SETS = Map.ofEntries(
            Map.entry("ro", MS_RDONLY), Map.entry("nosuid", MS_NOSUID), Map.entry("nodev", MS_NODEV),
            Map.entry("noexec", MS_NOEXEC), Map.entry("sync", MS_SYNCHRONOUS), Map.entry("dirsync", MS_DIRSYNC),
            Map.entry("noatime", MS_NOATIME), Map.entry("nodiratime", MS_NODIRATIME),
            Map.entry("relatime", MS_RELATIME), Map.entry("strictatime", MS_STRICTATIME),
            Map.entry("lazytime", MS_LAZYTIME));
    /** Options that clear a flag (the kernel's defaults, accepted so that fstab habits work). */
    private static final Map<String, Long> CLEARS = Map.of(
            "rw", MS_RDONLY, "suid", MS_NOSUID, "dev", MS_NODEV, "exec", MS_NOEXEC, "async", MS_SYNCHRONOUS,
            "atime", MS_NOATIME, "diratime", MS_NODIRATIME, "nolazytime", MS_LAZYTIME);
    /** mount(8)-only options that mean nothing to the kernel and would make ext4 refuse the data string. */
    private static final Set<String> IGNORED = Set.of("defaults", "auto", "noauto", "nofail", "user", "nouser", "_netdev");

    public MountOptions {
        generic = Set.copyOf(generic);
    }

    public static MountOptions none() {
        return new MountOptions(0, "", Set.of());
    }

    /**
     * @throws IllegalArgumentException naming the bad option when the string has an empty entry
     *     or characters that cannot be an option
     */
    public static MountOptions parse(String options) {
        if (options == null || options.isBlank()) return none();
        long flags = 0;
        List<String> data = new ArrayList<>();
        Set<String> generic = new LinkedHashSet<>();
        for (String raw : options.split(",", -1)) {
            String opt = raw.strip();
            if (opt.isEmpty()) {
                throw new IllegalArgumentException("mount options \"" + options + "\" contain an empty entry");
            }
            if (!opt.matches("[A-Za-z0-9_.=:/+@-]+")) {
                throw new IllegalArgumentException("mount option \"" + opt + "\" has characters no option has");
            }
            String key = opt.toLowerCase(Locale.ROOT);
            if (IGNORED.contains(key)) continue;
            if (SETS.containsKey(key)) {
                flags |= SETS.get(key);
                generic.add(key);
            } else if (CLEARS.containsKey(key)) {
                flags &= ~CLEARS.get(key);
                generic.add(key);
            } else {
                data.add(opt);
            }
        }
        return new MountOptions(flags, String.join(",", data), generic);
    }

    public boolean readOnly() {
        return (flags & MS_RDONLY) != 0;
    }
}
