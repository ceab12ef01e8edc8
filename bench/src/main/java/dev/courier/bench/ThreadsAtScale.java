package dev.courier.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Timestamp;

import dev.courier.bench.GatewayOverhead.Cell;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.RecentMessagesRequest;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Threads at scale: ListMessages and RecentMessages over gRPC against a database holding ten
 * thousand messages and against one holding five million, in the same conversations' shape.
 *
 * <p>The messages are written straight into the gateway's embedded database while the gateway is
 * stopped, as CreateMessage would have stored them; writing millions through the API would take
 * longer than the measurement itself. The large database is kept in {@code bench/target} and
 * reused by later runs.
 */
final class ThreadsAtScale {

    private static final int CONVERSATIONS = 200;
    private static final int RECENT_CONVERSATIONS = 50;
    private static final int CONCURRENCY = 16;
    private static final String TEXT = "a message of the kind people write in a thread, about this long, give or take";
    /** Seeded messages are sent one microsecond apart, starting thirty days before the run. */
    private static final long FIRST_SENT_AT = (System.currentTimeMillis() - TimeUnit.DAYS.toMillis(30)) * 1000;

    private ThreadsAtScale() {}

    /** {@code threads [small] [large]}: the two numbers of messages to compare, 10,000 and 5,000,000 by default. */
    static void run(String[] args) throws Exception {
        final long small = args.length > 1 ? Long.parseLong(args[1]) : 10_000;
        final long large = args.length > 2 ? Long.parseLong(args[2]) : 5_000_000;
        System.out.printf(Locale.ROOT, "Threads at scale: %d conversations, ListMessages (25, newest and a random " +
                                       "page) and RecentMessages (%d conversations, 10 each), concurrency %d%n%n",
                          CONVERSATIONS, RECENT_CONVERSATIONS, CONCURRENCY);
        final Database smaller = Database.prepare(small, Bench.scratchDirectory("bench-threads"), 18930);
        final Database larger = Database.prepare(large, Path.of("bench", "target", "threads-" + large), 18931);
        final List<Row> rows = new ArrayList<>();
        try (smaller; larger) {
            // Servers just started run interpreted and read from disk, and so does this generator:
            // warm all up, then measure the two databases call by call, one after the other.
            for (Database database : List.of(smaller, larger)) {
                for (Call call : database.calls) {
                    GatewayOverhead.measure(database.server.pid(), CONCURRENCY, call.call, 3);
                }
            }
            for (int i = 0; i < smaller.calls.size(); i++) {
                for (Database database : List.of(smaller, larger)) {
                    final Call call = database.calls.get(i);
                    final Cell cell = GatewayOverhead.measure(database.server.pid(), CONCURRENCY, call.call, 5);
                    System.out.printf(Locale.ROOT, "  %-12d %-28s %8.0f/s  p99 %.2f ms%n", database.messages,
                                      call.name, cell.perSecond, cell.p99);
                    rows.add(new Row(database.messages, call.name, cell));
                }
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-12s %-28s %10s %9s %9s %9s %10s %10s%n", "messages", "call", "requests/s",
                          "p50 ms", "p99 ms", "p99.9 ms", "server CPU", "client CPU");
        for (Row row : rows) {
            System.out.printf(Locale.ROOT, "%-12d %-28s %10.0f %9.2f %9.2f %9.2f %9.0f%% %9.0f%%%n", row.messages,
                              row.call, row.cell.perSecond, row.cell.p50, row.cell.p99, row.cell.p999,
                              row.cell.serverCpu * 100, row.cell.clientCpu * 100);
        }
        System.out.println();
        for (int i = 0; i < rows.size(); i += 2) {
            System.out.printf(Locale.ROOT, "%s p99 at %d / at %d messages: %.2f%n", rows.get(i).call, large, small,
                              rows.get(i + 1).cell.p99 / rows.get(i).cell.p99);
        }
    }

    /** A gateway serving a database of so many messages, and the calls to measure on it. */
    private static final class Database implements AutoCloseable {

        final long messages;
        final Process server;
        final List<Call> calls;
        private final ManagedChannel channel;

        private Database(long messages, Process server, ManagedChannel channel, List<Call> calls) {
            this.messages = messages;
            this.server = server;
            this.channel = channel;
            this.calls = calls;
        }

        /** Seeds {@code data} with {@code messages} messages unless it holds them already, and serves it. */
        static Database prepare(long messages, Path data, int port) throws Exception {
            final Path seeded = data.resolve("seeded");
            final List<String> conversations;
            if (Files.exists(seeded)) {
                conversations = Files.readAllLines(seeded, StandardCharsets.US_ASCII);
                System.out.printf(Locale.ROOT, "%d messages: reusing the database in %s%n", messages, data);
            } else {
                conversations = createConversations(port, data);
                final long start = System.nanoTime();
                seed(data, conversations, messages / conversations.size());
                System.out.printf(Locale.ROOT, "%d messages: seeded in %.1f s%n", messages,
                                  (System.nanoTime() - start) / 1e9);
                Files.write(seeded, conversations, StandardCharsets.US_ASCII);
            }
            final Process server = Bench.startGateway(port, data);
            Bench.awaitHttp("http://127.0.0.1:" + port + "/health");
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            return new Database(messages, server, channel,
                                callsOn(ThreadsGrpc.newFutureStub(channel), conversations,
                                      messages / conversations.size()));
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            server.destroy();
            server.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static List<Call> callsOn(ThreadsGrpc.ThreadsFutureStub threads, List<String> conversations,
                                      long perConversation) {
        return List.of(
                new Call("ListMessages newest 25", () -> GatewayOverhead.toFuture(threads.listMessages(
                        ListMessagesRequest.newBuilder()
                                           .setConversationId(pick(conversations))
                                           .setLimit(Int32Value.of(25)).build()))),
                new Call("ListMessages random page", () -> GatewayOverhead.toFuture(threads.listMessages(
                        ListMessagesRequest.newBuilder()
                                           .setConversationId(pick(conversations))
                                           .setSentBefore(micros(FIRST_SENT_AT + ThreadLocalRandom.current()
                                                                                  .nextLong(26, perConversation + 1)))
                                           .setLimit(Int32Value.of(25)).build()))),
                new Call("RecentMessages 50 × 10", () -> {
                    final int from = ThreadLocalRandom.current().nextInt(conversations.size() - RECENT_CONVERSATIONS);
                    return GatewayOverhead.toFuture(threads.recentMessages(
                            RecentMessagesRequest.newBuilder()
                                                 .addAllConversationIds(conversations.subList(
                                                         from, from + RECENT_CONVERSATIONS))
                                                 .setLimitPerConversation(Int32Value.of(10)).build()));
                }));
    }

    /** Starts the gateway on a fresh data directory just long enough to create the conversations. */
    private static List<String> createConversations(int port, Path data) throws Exception {
        Files.createDirectories(data);
        final Process server = Bench.startGateway(port, data);
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            Bench.awaitHttp("http://127.0.0.1:" + port + "/health");
            final var threads = ThreadsGrpc.newBlockingStub(channel);
            final List<String> ids = new ArrayList<>();
            for (int i = 0; i < CONVERSATIONS; i++) {
                ids.add(threads.createConversation(CreateConversationRequest.newBuilder().setGroupId("scale")
                                                                            .setTopic("topic " + i).build())
                               .getConversation().getId());
            }
            return ids;
        } finally {
            channel.shutdownNow();
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS) || server.exitValue() != 143 && server.exitValue() != 0) {
                throw new IllegalStateException("the gateway did not stop cleanly");
            }
        }
    }

    /**
     * Writes {@code perConversation} messages into each conversation, as CreateMessage stores
     * them: one microsecond apart, and the conversation's clock at the newest. One writer per
     * core, each on its own share of the conversations.
     */
    private static void seed(Path data, List<String> conversations, long perConversation) throws Exception {
        final String url = "jdbc:h2:file:" + data.toAbsolutePath().resolve("courier");
        final ExecutorService pool = Executors.newFixedThreadPool(Bench.CORES);
        final List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < Bench.CORES; w++) {
            final List<String> share = new ArrayList<>();
            for (int i = w; i < conversations.size(); i += Bench.CORES) {
                share.add(conversations.get(i));
            }
            writers.add(CompletableFuture.runAsync(() -> {
                try {
                    seed(url, share, perConversation);
                } catch (SQLException e) {
                    throw new IllegalStateException("seeding failed", e);
                }
            }, pool));
        }
        try {
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
        } finally {
            pool.shutdown();
        }
    }

    private static void seed(String url, List<String> conversations, long perConversation) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO messages (namespace, conversation_id, id, author_id, text, sent_at)" +
                     " SELECT 'default', ?, ? || LPAD(X, 10, '0'), 'author-' || MOD(X, 7), ? || X, ? + X" +
                     " FROM SYSTEM_RANGE(1, ?)");
             PreparedStatement clock = c.prepareStatement(
                     "UPDATE conversations SET last_sent_at = ? WHERE namespace = 'default' AND id = ?")) {
            for (String conversation : conversations) {
                insert.setString(1, conversation);
                insert.setString(2, conversation + "-");
                insert.setString(3, TEXT + " ");
                insert.setLong(4, FIRST_SENT_AT);
                insert.setLong(5, perConversation);
                insert.executeUpdate();
                clock.setLong(1, FIRST_SENT_AT + perConversation);
                clock.setString(2, conversation);
                clock.executeUpdate();
            }
        }
    }

    private static String pick(List<String> conversations) {
        return conversations.get(ThreadLocalRandom.current().nextInt(conversations.size()));
    }

    private static Timestamp micros(long micros) {
        return Timestamp.newBuilder().setSeconds(micros / 1_000_000).setNanos((int) (micros % 1_000_000) * 1000)
                        .build();
    }

    private record Call(String name, Supplier<CompletableFuture<?>> call) {}

    private record Row(long messages, String call, Cell cell) {}
}
