package io.hadb.agent.drbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A tiny stand-in executable for failure injection: for its first non-option argument VERB it
 * prints DIR/VERB.out to stdout and DIR/VERB.err to stderr, sleeps DIR/VERB.sleep seconds, and
 * exits with DIR/VERB.rc (0 if absent); every call's arguments are appended to DIR/calls.
 */
final class FakeTool {
    final Path dir;
    final Path exe;

    FakeTool(Path dir, String name) throws IOException {
        this.dir = dir;
        this.exe = dir.resolve(name);
        Files.writeString(exe, """
                #!/bin/bash
                d=$(dirname "$0")
                echo "$*" >> "$d/calls"
                verb=""
                for a in "$@"; do case "$a" in -c) skip=1;; -*) ;; *) if [[ -n $skip ]]; then skip=; elif [[ -z $verb ]]; then verb=$a; fi;; esac; done
                [[ -f "$d/$verb.out" ]] && cat "$d/$verb.out"
                [[ -f "$d/$verb.err" ]] && cat "$d/$verb.err" >&2
                [[ -f "$d/$verb.sleep" ]] && sleep "$(cat "$d/$verb.sleep")"
                [[ -f "$d/$verb.rc" ]] && exit "$(cat "$d/$verb.rc")"
                exit 0
                """);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    void on(String verb, String stdout, String stderr, int rc) throws IOException {
        Files.writeString(dir.resolve(verb + ".out"), stdout);
        Files.writeString(dir.resolve(verb + ".err"), stderr);
        Files.writeString(dir.resolve(verb + ".rc"), Integer.toString(rc));
    }

    void hang(String verb, int seconds) throws IOException {
        Files.writeString(dir.resolve(verb + ".sleep"), Integer.toString(seconds));
    }

    String calls() throws IOException {
        Path c = dir.resolve("calls");
        return Files.exists(c) ? Files.readString(c) : "";
    }
}
