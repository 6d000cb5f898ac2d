package io.hadb.testbed.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bench SUBCOMMAND}: the benchmarks. More subcommands (resources, failover, drills) come later. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {MembershipBench.class},
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
