package io.hadb.agent.fs;

/**
 * One line of /proc/self/mountinfo, with the octal escapes (\040 for a space) decoded.
 *
 * @param majorMinor the st_dev of the filesystem, "7:0"; for a block-device filesystem it is the device's number
 */
public record MountEntry(int mountId, int parentId, String majorMinor, String root, String mountPoint,
                         String mountOptions, String fsType, String source, String superOptions) {
}
