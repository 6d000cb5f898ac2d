package io.hadb.testbed.bench;

import io.hadb.testbed.sandbox.DrillsBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bench SUBCOMMAND}: the benchmarks. resources runs from its own script (bench-resources). */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {MembershipBench.class, FailoverBench.class,
        DrillsBench.class},
        description = "hadb benchmarks on real processes.")
public final class BenchMain implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
