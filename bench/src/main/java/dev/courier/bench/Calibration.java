package dev.courier.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How fast this machine is right now: a fixed single-threaded workload (sorting, hashing,
 * allocating), timed at the start and the end of every scenario. On a shared virtual machine the
 * same command can run at half speed one hour and full speed the next; figures from two runs are
 * comparable only when their calibrations are close.
 */
final class Calibration {

    private static final int ROUNDS = 5;
    /** Where each result goes, so that the compiler cannot drop the work. */
    private static volatile long sink;

    private Calibration() {}

    /** Runs the workload a few times and prints the fastest, in milliseconds, under the label. */
    static void print(String label) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            final long start = System.nanoTime();
            sink = workload();
            best = Math.min(best, System.nanoTime() - start);
        }
        System.out.printf(Locale.ROOT, "Calibration %s: %d ms (a fixed workload, best of %d)%n", label,
                          best / 1_000_000, ROUNDS);
    }

    private static long workload() {
        final SplittableRandom random = new SplittableRandom(42);
        final int[] numbers = random.ints(2_000_000).toArray();
        Arrays.sort(numbers);
        final Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4_000_000; i++) {
            counts.merge(numbers[i % numbers.length] & 0xFFFF, 1, Integer::sum);
        }
        return numbers[numbers.length / 2] + counts.size();
    }
}
