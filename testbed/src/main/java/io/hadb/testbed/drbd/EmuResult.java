package io.hadb.testbed.drbd;

/** What an emulated command prints and its exit code. */
record EmuResult(int exit, String stdout, String stderr) {
    static final EmuResult OK = new EmuResult(0, "", "");

    static EmuResult out(String stdout) {
        return new EmuResult(0, stdout, "");
    }

    static EmuResult fail(int exit, String stderr) {
        return new EmuResult(exit, "", stderr.endsWith("\n") ? stderr : stderr + "\n");
    }
}
