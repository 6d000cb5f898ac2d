package io.hadb.agent.control;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The system's user and group database through libc (getpwnam, getgrnam), so NSS sources count as they do
 * for the kernel's own checks. Both calls return static buffers: every lookup holds this class's lock.
 */
final class UserDb {
    /** What the control socket needs of a group: its id and its listed members. */
    record Group(String name, int gid, List<String> members) {}

    /** A user's id and primary group id. */
    record User(String name, int uid, int gid) {}

    private UserDb() {}

    interface Lib extends Library {
        Lib INSTANCE = Native.load("c", Lib.class);

        Pointer getgrnam(String name);

        Pointer getpwnam(String name);
    }

    /** struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; } */
    public static final class GroupStruct extends Structure {
        public String gr_name;
        public String gr_passwd;
        public int gr_gid;
        public Pointer gr_mem;

        GroupStruct(Pointer p) {
            super(p);
            read();
        }

        @Override
        protected List<String> getFieldOrder() {
            return List.of("gr_name", "gr_passwd", "gr_gid", "gr_mem");
        }
    }

    /** struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... } (the rest unused) */
    public static final class PasswdStruct extends Structure {
        public String pw_name;
        public String pw_passwd;
        public int pw_uid;
        public int pw_gid;

        PasswdStruct(Pointer p) {
            super(p);
            read();
        }

        @Override
        protected List<String> getFieldOrder() {
            return List.of("pw_name", "pw_passwd", "pw_uid", "pw_gid");
        }
    }

    static synchronized Optional<Group> group(String name) {
        Pointer p = Lib.INSTANCE.getgrnam(name);
        if (p == null) return Optional.empty();
        GroupStruct g = new GroupStruct(p);
        List<String> members = new ArrayList<>();
        if (g.gr_mem != null) {
            for (String m : g.gr_mem.getStringArray(0)) members.add(m);
        }
        return Optional.of(new Group(g.gr_name, g.gr_gid, List.copyOf(members)));
    }

    static synchronized Optional<User> user(String name) {
        Pointer p = Lib.INSTANCE.getpwnam(name);
        if (p == null) return Optional.empty();
        PasswdStruct u = new PasswdStruct(p);
        return Optional.of(new User(u.pw_name, u.pw_uid, u.pw_gid));
    }
}
