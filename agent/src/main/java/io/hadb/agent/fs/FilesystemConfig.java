package io.hadb.agent.fs;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The [filesystem] section: which device to mount where, as what, with which options, and how
 * long processes holding the mount get between SIGTERM and SIGKILL when it must be unmounted.
 */
public record FilesystemConfig(Path device, Path mountpoint, String fstype, MountOptions options,
                               Duration holderTimeout) {
    public static final String DEFAULT_FSTYPE = "ext4";
    public static final String DEFAULT_OPTIONS = "noatime";
    public static final Duration DEFAULT_HOLDER_TIMEOUT = Duration.ofSeconds(5);

    /** @throws IllegalArgumentException naming the key that is wrong */
    public FilesystemConfig {
        if (device == null || !device.isAbsolute()) {
            throw new IllegalArgumentException("filesystem.device must be an absolute path, got " + device);
        }
        if (mountpoint == null || !mountpoint.isAbsolute()) {
            throw new IllegalArgumentException("filesystem.mountpoint must be an absolute path, got " + mountpoint);
        }
        if (fstype == null || !fstype.matches("[a-z0-9._-]+")) {
            throw new IllegalArgumentException("filesystem.fstype \"" + fstype + "\" is not a filesystem type name");
        }
        if (options == null) options = MountOptions.none();
        if (holderTimeout == null || holderTimeout.isNegative() || holderTimeout.isZero()) {
            throw new IllegalArgumentException("filesystem.holder_timeout must be positive, got " + holderTimeout);
        }
    }

    /** Builds it from configuration text values; options is parsed as mount(8) would ("noatime,nodev"). */
    public static FilesystemConfig of(String device, String mountpoint, String fstype, String options,
                                      Duration holderTimeout) {
        MountOptions parsed;
        try {
            parsed = MountOptions.parse(options == null ? DEFAULT_OPTIONS : options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("filesystem.options: " + e.getMessage(), e);
        }
        return new FilesystemConfig(device == null ? null : Path.of(device),
                mountpoint == null ? null : Path.of(mountpoint), fstype == null ? DEFAULT_FSTYPE : fstype, parsed,
                holderTimeout == null ? DEFAULT_HOLDER_TIMEOUT : holderTimeout);
    }

    public FilesystemDriver driver() {
        return new FilesystemDriver(fstype, options);
    }
}
