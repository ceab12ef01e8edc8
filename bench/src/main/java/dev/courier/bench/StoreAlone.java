package dev.courier.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariConfig;

import dev.courier.streams.server.EmbeddedDatabase;
import dev.courier.streams.server.ProcessDefaults;
import dev.courier.threads.store.JdbcThreadStore;
import dev.courier.threads.store.MessageResult;
import dev.courier.threads.store.NewMessage;

/**
 * {@code store [seconds]}: the Threads store alone, with no gateway, no network and no load
 * generator sharing its cores: what storing a message in the embedded database costs, and on which
 * threads. Each run is a JVM of its own, started as the servers are ({@code -Xms2g -Xmx2g} and
 * {@code BENCH_SERVER_OPTS}), with a new database and its journal. Its writers call
 * {@code createMessages} in a loop with batches of {@value #BATCH} messages into one conversation,
 * the size of CreateMessage's batches at 64 calls in flight; one writer, then two, as the two
 * drains of {@code MessageWriter} may write at once. Each run is unmeasured for
 * {@value #WARM_UP_SECONDS} s, then measured for {@code seconds} (8 unless given); the runs
 * alternate, twice each.
 *
 * <p>The CPU a message costs is split by thread, from /proc: the writers, H2's own threads
 * (serializing pages, saving them, the checkpoint), the garbage collector, the compilers, and the
 * rest of the process.
 */
final class StoreAlone {

    static final int BATCH = 16;
    private static final int WARM_UP_SECONDS = 12;
    private static final String WRITER = "store-writer-";

    private StoreAlone() {}

    static void run(String[] args) throws Exception {
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        System.out.printf(Locale.ROOT, "The Threads store alone: batches of %d messages into one conversation, "
                                       + "embedded H2 with its journal, %d s measured a run%n%n", BATCH, seconds);
        System.out.printf(Locale.ROOT, "%-8s %11s %13s %9s %9s %9s %10s %9s %14s%n", "writers", "messages/s",
                          "CPU us/msg", "writers", "H2", "GC", "compilers", "rest", "GC pause ms/s");
        for (int round = 0; round < 2; round++) {
            for (int writers = 1; writers <= 2; writers++) {
                System.out.println(measure(writers, seconds));
            }
        }
        System.out.println("(writers to rest: CPU us a message on those threads; GC pause: wall time stopped)");
    }

    /** Runs one measurement in a JVM of its own and returns the row it printed. */
    private static String measure(int writers, int seconds) throws IOException, InterruptedException {
        final Process run = Bench.startJvm(List.of("-cp", "bench/target/bench.jar", StoreAlone.class.getName(),
                                                   String.valueOf(writers), String.valueOf(seconds)),
                                           ProcessBuilder.Redirect.PIPE);
        final String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
            throw new IllegalStateException("the store run failed:\n" + output);
        }
        return output.lines().filter(line -> line.startsWith("row ")).findFirst()
                     .map(line -> line.substring(4))
                     .orElseThrow(() -> new IllegalStateException("the store run printed no figures:\n" + output));
    }

    /** {@code StoreAlone <writers> <seconds>}: one run, its figures printed as a line starting "row ". */
    public static void main(String[] args) throws Exception {
        ProcessDefaults.apply();
        final int writers = Integer.parseInt(args[0]);
        final int seconds = Integer.parseInt(args[1]);
        final Path data = Bench.scratchDirectory("bench-store-");
        final HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("store");
        try (EmbeddedDatabase database = new EmbeddedDatabase(data.resolve("courier"), hikari)) {
            final JdbcThreadStore store = JdbcThreadStore.migrate(database);
            database.startJournal();
            final String conversation = store.createConversation("bench", "alone", "bench", "store", now())
                                             .getId();
            final AtomicLong stored = new AtomicLong();
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                final Thread thread = new Thread(() -> write(store, conversation, stored, stop), WRITER + w);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(WARM_UP_SECONDS));
            final Snapshot before = Snapshot.take(stored);
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            final Snapshot after = Snapshot.take(stored);
            // Not by interrupting them: an interrupt closes the file channel H2 is writing through.
            stop.set(true);
            for (Thread thread : threads) {
                thread.join();
            }
            System.out.println("row " + before.rowTo(after, writers));
        }
    }

    private static void write(JdbcThreadStore store, String conversation, AtomicLong stored, AtomicBoolean stop) {
        while (!stop.get()) {
            final List<NewMessage> batch = new ArrayList<>(BATCH);
            final long now = now();
            for (int i = 0; i < BATCH; i++) {
                batch.add(new NewMessage("bench", conversation, "", "bench", "hello from the benchmark", now));
            }
            for (MessageResult result : store.createMessages(batch)) {
                result.message().orElseThrow(() -> new IllegalStateException("a message was not stored"));
            }
            stored.addAndGet(BATCH);
        }
    }

    private static long now() {
        return TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    }

    /** Messages stored, CPU by kind of thread and GC pauses, at one moment. */
    private record Snapshot(long nanoTime, long messages, long process, long writers, long h2, long gc,
                            long compilers, long gcPauseMillis) {

        static Snapshot take(AtomicLong stored) throws IOException {
            long writers = 0;
            long h2 = 0;
            long gc = 0;
            long compilers = 0;
            for (Map.Entry<String, Long> thread : Bench.cpuNanosByThread(ProcessHandle.current().pid()).entrySet()) {
                final String name = thread.getKey();
                if (name.startsWith(WRITER)) {
                    writers += thread.getValue();
                } else if (name.startsWith("H2-") || name.startsWith("MVStore") || name.startsWith("h2-")) {
                    h2 += thread.getValue();
                } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                    gc += thread.getValue();
                } else if (name.contains("CompilerThre")) {
                    compilers += thread.getValue();
                }
            }
            long pauses = 0;
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                pauses += collector.getCollectionTime();
            }
            return new Snapshot(System.nanoTime(), stored.get(), Bench.cpuNanos(ProcessHandle.current().pid()),
                                writers, h2, gc, compilers, pauses);
        }

        String rowTo(Snapshot after, int writerCount) {
            final double messages = after.messages - this.messages;
            final double seconds = (after.nanoTime - nanoTime) / 1e9;
            final long processNanos = after.process - process;
            final long named = (after.writers - writers) + (after.h2 - h2) + (after.gc - gc)
                               + (after.compilers - compilers);
            return String.format(Locale.ROOT, "%-8d %11.0f %13.2f %9.2f %9.2f %9.2f %10.2f %9.2f %14.1f",
                                 writerCount, messages / seconds, processNanos / 1e3 / messages,
                                 (after.writers - writers) / 1e3 / messages, (after.h2 - h2) / 1e3 / messages,
                                 (after.gc - gc) / 1e3 / messages, (after.compilers - compilers) / 1e3 / messages,
                                 (processNanos - named) / 1e3 / messages,
                                 (after.gcPauseMillis - gcPauseMillis) / seconds);
        }
    }
}
