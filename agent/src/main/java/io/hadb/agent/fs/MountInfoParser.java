package io.hadb.agent.fs;

import java.util.ArrayList;
import java.util.List;

/** Parses /proc/[pid]/mountinfo (proc(5)): pure, so every odd line is tested without mounting anything. */
public final class MountInfoParser {
    private MountInfoParser() {
    }

    /** @throws IllegalArgumentException naming the line when one is not in mountinfo's format */
    public static List<MountEntry> parse(String text) {
        List<MountEntry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) continue;
            entries.add(parseLine(line, lineNo));
        }
        return entries;
    }

    static MountEntry parseLine(String line, int lineNo) {
        String[] f = line.strip().split(" ");
        // fields: id parent maj:min root mountpoint options [optional...] - fstype source superoptions
        int sep = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                sep = i;
                break;
            }
        }
        if (f.length < 9 || sep < 0 || f.length < sep + 3) {
            throw new IllegalArgumentException("mountinfo line " + lineNo + " is not in mountinfo format: " + line);
        }
        try {
            int id = Integer.parseInt(f[0]);
            int parent = Integer.parseInt(f[1]);
            if (!f[2].matches("\\d+:\\d+")) throw new NumberFormatException("device " + f[2]);
            return new MountEntry(id, parent, f[2], unescape(f[3]), unescape(f[4]), f[5],
                    unescape(f[sep + 1]), unescape(f[sep + 2]), sep + 3 < f.length ? f[sep + 3] : "");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mountinfo line " + lineNo + " has a bad number (" + e.getMessage()
                    + "): " + line);
        }
    }

    /** The kernel writes space, tab, newline and backslash in paths as \040, \011, \012 and \134. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') return false;
        }
        return true;
    }
}
