package io.hadb.agent.control;

import java.util.Optional;

/**
 * Who may use the control socket: root, or a member of the configured group — its current group (from the
 * peer's credentials), a listed member of the group, or a user whose primary group it is. The socket file's
 * mode (0660, root:group) already keeps others out; this check holds even when a directory or a mode was set
 * too loosely by hand. Pure: the caller looks the names up.
 */
final class PeerAccess {
    private PeerAccess() {}

    /**
     * @param peerUid       the connecting process's uid (from SO_PEERCRED)
     * @param peerUser      its user name, or null when the uid has none
     * @param peerGroupName its primary group's name at connect time, or null
     * @param user          the user database's entry for peerUser, if any
     * @param allowed       the configured group, if any
     * @return empty to allow, or the sentence that refuses
     */
    static Optional<String> refusal(int peerUid, String peerUser, String peerGroupName, Optional<UserDb.User> user,
                                    Optional<UserDb.Group> allowed, Optional<String> configuredGroup) {
        if (peerUid == 0) return Optional.empty();
        String who = (peerUser == null ? "uid " + peerUid : "user " + peerUser + " (uid " + peerUid + ")");
        if (configuredGroup.isEmpty())
            return Optional.of("permission denied: " + who + " may not use the control socket; only root may "
                    + "(set [control] group to let a group in)");
        if (allowed.isPresent()) {
            UserDb.Group g = allowed.get();
            boolean member = g.name().equals(peerGroupName)
                    || (peerUser != null && g.members().contains(peerUser))
                    || (user.isPresent() && user.get().uid() == peerUid && user.get().gid() == g.gid());
            if (member) return Optional.empty();
        }
        return Optional.of("permission denied: " + who + " may not use the control socket; only root and members of "
                + "group " + configuredGroup.get() + " may");
    }
}
