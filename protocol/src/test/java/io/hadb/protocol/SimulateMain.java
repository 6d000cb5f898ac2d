package io.hadb.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * {@code simulate --topology T --seeds N --first-seed S [--trace] [--flaw F]}: runs N histories and ends
 * with "N passed, M failed"; every failing seed is printed with the command that replays it.
 */
public final class SimulateMain {
    private SimulateMain() {}

    public static void main(String[] args) {
        String topo = "witness";
        long seeds = 1000, first = 1;
        boolean trace = false;
        Set<Node.Flaw> flaws = EnumSet.noneOf(Node.Flaw.class);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--topology" -> topo = value(args, ++i);
                case "--seeds" -> seeds = Long.parseLong(value(args, ++i));
                case "--first-seed" -> first = Long.parseLong(value(args, ++i));
                case "--trace" -> trace = true;
                case "--flaw" -> flaws.add(Node.Flaw.valueOf(value(args, ++i)));
                case "-h", "--help" -> {
                    System.out.println("usage: simulate --topology {two-node-fencing,witness,three-data} --seeds N "
                            + "--first-seed S [--trace]");
                    return;
                }
                default -> {
                    System.err.println("simulate: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        SimTopology topology;
        try {
            topology = SimTopology.parse(topo);
        } catch (IllegalArgumentException e) {
            System.err.println("simulate: " + e.getMessage());
            System.exit(2);
            return;
        }
        Summary s = runMany(topology, first, seeds, flaws, trace);
        for (Simulation.Result r : s.failures) {
            System.out.println("FAILED seed " + r.seed() + ": " + r.violation());
            System.out.println("  replay: testbed/bin/simulate --topology " + topology.cliName + " --seeds 1 --first-seed "
                    + r.seed() + " --trace" + flaws.stream().map(f -> " --flaw " + f).reduce("", String::concat));
            if (trace) r.trace().forEach(l -> System.out.println("  " + l));
        }
        System.out.printf("topology %s: %d histories, %d simulated events, %d elections, %d crashes, %d pauses, "
                        + "%d partitions, %d fences, %d switchovers, %d writes, %d forced promotions started, %d won, "
                        + "%d writes given up by them%n",
                topology.cliName, seeds, s.events.get(), s.elections.get(), s.crashes.get(), s.pauses.get(),
                s.partitions.get(), s.fences.get(), s.switchovers.get(), s.writes.get(), s.forces.get(),
                s.forcesWon.get(), s.writesGivenUp.get());
        System.out.println(s.passed + " passed, " + s.failures.size() + " failed");
        System.exit(s.failures.isEmpty() ? 0 : 1);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("simulate: " + args[i - 1] + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    /** The outcome of many histories. */
    static final class Summary {
        final List<Simulation.Result> failures = new ArrayList<>();
        long passed;
        final AtomicLong events = new AtomicLong(), elections = new AtomicLong(), crashes = new AtomicLong(),
                pauses = new AtomicLong(), partitions = new AtomicLong(), fences = new AtomicLong(),
                switchovers = new AtomicLong(), writes = new AtomicLong(), forces = new AtomicLong(),
                forcesWon = new AtomicLong(), writesGivenUp = new AtomicLong();
    }

    static Summary runMany(SimTopology topology, long first, long count, Set<Node.Flaw> flaws, boolean trace) {
        Summary s = new Summary();
        List<Simulation.Result> failures = LongStream.range(first, first + count).parallel()
                .mapToObj(seed -> {
                    Simulation.Result r = new Simulation(topology, seed, flaws, trace && count == 1).run();
                    s.events.addAndGet(r.events());
                    s.elections.addAndGet(r.stats().elections);
                    s.crashes.addAndGet(r.stats().crashes);
                    s.pauses.addAndGet(r.stats().pauses);
                    s.partitions.addAndGet(r.stats().partitions);
                    s.fences.addAndGet(r.stats().fences);
                    s.switchovers.addAndGet(r.stats().switchovers);
                    s.writes.addAndGet(r.stats().writes);
                    s.forces.addAndGet(r.stats().forces);
                    s.forcesWon.addAndGet(r.stats().forcesWon);
                    s.writesGivenUp.addAndGet(r.stats().writesGivenUp);
                    return r;
                })
                .filter(r -> !r.passed())
                .sorted((a, b) -> Long.compare(a.seed(), b.seed()))
                .toList();
        s.failures.addAll(failures);
        s.passed = count - failures.size();
        return s;
    }
}
