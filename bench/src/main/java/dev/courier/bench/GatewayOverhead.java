package dev.courier.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.google.protobuf.Int32Value;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;

import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

/**
 * What the JSON gateway costs: Threads.CreateMessage and ListMessages at concurrency 1, 16 and
 * 64, as JSON POSTs through the gateway and as gRPC on the same port, beside two calls on the
 * same server: a JSON POST answered {@code {}} ({@link CeilingGateway}, the ceiling of the
 * stack for a JSON call), and Streams.Token over JSON, a method that needs no database, which
 * shows what the JSON gateway and the gRPC call cost before a service touches its store. Each
 * cell also gives the server's CPU time per call.
 */
final class GatewayOverhead {

    private static final long SECONDS_PER_CELL = 3;
    /**
     * The server's JIT compilers count as done once they use less than this share of one core
     * over the last {@link #QUIET_SECONDS}: on a slow day they work for 40 s and more, and a cell
     * measured meanwhile times them along with the calls.
     */
    private static final double QUIET_COMPILERS = 0.02;
    private static final int QUIET_SECONDS = 5;
    private static final String EMPTY = "empty JSON endpoint";
    private static final String TOKEN_JSON = "Streams.Token JSON (no database)";
    private static final String CREATE_JSON = "CreateMessage JSON";
    private static final String CREATE_GRPC = "CreateMessage gRPC";
    private static final String LIST_JSON = "ListMessages JSON";
    private static final String LIST_GRPC = "ListMessages gRPC";
    private static final int[] CONCURRENCY = {1, 16, 64};
    /** Messages stored before {@code listmessages} reads them. */
    private static final int LISTED = 200;

    private GatewayOverhead() {}

    static void run() throws Exception {
        try (Target target = Target.start()) {
            final WebClient http = target.http();
            final ManagedChannel channel = target.channel();
            final var threads = ThreadsGrpc.newFutureStub(channel);
            final String conversation = target.conversation();
            final long pid = target.server().pid();
            final String jsonUrl = "/threads/Threads/";
            final String createBody = createBody(conversation);
            final String listBody = "{\"conversation_id\":\"" + conversation + "\",\"limit\":25}";
            final Map<String, Supplier<CompletableFuture<?>>> calls = new LinkedHashMap<>();
            calls.put(EMPTY, () -> post(http, CeilingGateway.EMPTY_PATH, createBody));
            // A method that needs no database: what the JSON gateway and a gRPC call cost on
            // their own, between the empty endpoint and the Threads methods.
            calls.put(TOKEN_JSON, () -> post(http, "/streams/Streams/Token", "{\"topic\":\"overhead\"}"));
            calls.put(CREATE_JSON, () -> post(http, jsonUrl + "CreateMessage", createBody));
            calls.put(CREATE_GRPC, () -> toFuture(threads.createMessage(message(conversation))));
            calls.put(LIST_JSON, () -> post(http, jsonUrl + "ListMessages", listBody));
            calls.put(LIST_GRPC, () -> toFuture(threads.listMessages(
                    ListMessagesRequest.newBuilder().setConversationId(conversation)
                                       .setLimit(Int32Value.of(25)).build())));
            // Every call at least twice, the generator's compilers meanwhile doing their work
            // too, and then on until the server's are done.
            warmUp(pid, List.copyOf(calls.values()), 16, 2 * calls.size(), 45);
            printHeader();
            final List<String> rows = new ArrayList<>();
            final List<Sample> measured = new ArrayList<>();
            for (int concurrency : CONCURRENCY) {
                // Each cell is measured in one-second stretches taken in turn with the other
                // calls', so that the machine slowing down for a while (it is shared) weighs on
                // every call alike instead of on whichever cell it fell into.
                final Map<String, List<Sample>> samples = new LinkedHashMap<>();
                for (int stretch = 0; stretch < SECONDS_PER_CELL; stretch++) {
                    for (Map.Entry<String, Supplier<CompletableFuture<?>>> call : calls.entrySet()) {
                        final Sample sample = sample(pid, concurrency, call.getValue(), 1);
                        samples.computeIfAbsent(call.getKey(), name -> new ArrayList<>()).add(sample);
                        measured.add(sample);
                    }
                }
                final Map<String, Cell> cells = new HashMap<>();
                for (Map.Entry<String, List<Sample>> call : samples.entrySet()) {
                    final Cell cell = Cell.of(call.getValue());
                    print(call.getKey(), concurrency, cell);
                    cells.put(call.getKey(), cell);
                }
                rows.add(String.format(Locale.ROOT,
                                       "concurrency %2d: Token JSON/empty %.2f; " +
                                       "CreateMessage JSON/empty %.2f, JSON/gRPC %.2f; " +
                                       "ListMessages JSON/empty %.2f, JSON/gRPC %.2f", concurrency,
                                       ratio(cells, TOKEN_JSON, EMPTY),
                                       ratio(cells, CREATE_JSON, EMPTY),
                                       ratio(cells, CREATE_JSON, CREATE_GRPC), ratio(cells, LIST_JSON, EMPTY),
                                       ratio(cells, LIST_JSON, LIST_GRPC)));
            }
            System.out.println();
            rows.forEach(System.out::println);
            printCompilers(measured);
        }
    }

    /**
     * {@code createmessage [seconds]}: CreateMessage JSON alone at concurrency 64, unmeasured for
     * at least 20 s and until the server's compilers are done (at most 90 s), then {@code seconds}
     * (12 unless given) measured as one cell. One call held steady moves less
     * from run to run than the cells of {@code gateway}, which take six calls in turn: run it
     * alternately with two builds to compare their write paths.
     */
    static void steadyCreate(String[] args) throws Exception {
        try (Target target = Target.start()) {
            final String body = createBody(target.conversation());
            steady(target, CREATE_JSON, () -> post(target.http(), "/threads/Threads/CreateMessage", body), args);
        }
    }

    /**
     * {@code listmessages [seconds]}: as {@code createmessage}, for ListMessages JSON of 25 messages,
     * out of {@value #LISTED} stored first: the read path and the printing of a long answer.
     */
    static void steadyList(String[] args) throws Exception {
        try (Target target = Target.start()) {
            final String conversation = target.conversation();
            final String body = createBody(conversation);
            for (int i = 0; i < LISTED; i++) {
                post(target.http(), "/threads/Threads/CreateMessage", body).join();
            }
            final String listBody = "{\"conversation_id\":\"" + conversation + "\",\"limit\":25}";
            steady(target, LIST_JSON, () -> post(target.http(), "/threads/Threads/ListMessages", listBody), args);
        }
    }

    private static void steady(Target target, String name, Supplier<CompletableFuture<?>> call, String[] args)
            throws Exception {
        final long seconds = args.length > 1 ? Long.parseLong(args[1]) : 12;
        warmUp(target.server().pid(), List.of(call), 64, 20, 90);
        printHeader();
        final Sample sample = sample(target.server().pid(), 64, call, seconds);
        print(name, 64, Cell.of(List.of(sample)));
        printCompilers(List.of(sample));
    }

    /**
     * One-second rounds of the calls in turn, unmeasured: at least {@code minSeconds}, then until
     * the server's compilers are quiet or {@code maxSeconds} have gone by. Prints how long it took.
     */
    private static void warmUp(long pid, List<Supplier<CompletableFuture<?>>> calls, int concurrency,
                               int minSeconds, int maxSeconds) throws IOException {
        final List<Long> compilerNanos = new ArrayList<>();
        compilerNanos.add(Bench.compilerCpuNanos(pid));
        int seconds = 0;
        while (seconds < maxSeconds) {
            sample(pid, concurrency, calls.get(seconds % calls.size()), 1);
            seconds++;
            compilerNanos.add(Bench.compilerCpuNanos(pid));
            final long recent = compilerNanos.get(seconds) - compilerNanos.get(Math.max(0, seconds - QUIET_SECONDS));
            if (seconds >= minSeconds && recent < QUIET_COMPILERS * QUIET_SECONDS * 1e9) {
                break;
            }
        }
        System.out.printf(Locale.ROOT, "Warm-up: %d s, the server's compilers %.1f s of CPU in it%n", seconds,
                          (compilerNanos.get(seconds) - compilerNanos.get(0)) / 1e9);
    }

    /** What the server's compilers used while the cells were measured, which the cells include. */
    private static void printCompilers(List<Sample> samples) {
        final long nanos = samples.stream().mapToLong(Sample::compilerCpuNanos).sum();
        final long elapsed = samples.stream().mapToLong(Sample::elapsedNanos).sum();
        System.out.printf(Locale.ROOT, "The server's compilers while measuring: %.1f%% of one core%n",
                          100.0 * nanos / elapsed);
    }

    private static String createBody(String conversation) {
        return "{\"conversation_id\":\"" + conversation +
               "\",\"author_id\":\"bench\",\"text\":\"hello from the benchmark\"}";
    }

    private static double ratio(Map<String, Cell> cells, String call, String base) {
        return cells.get(call).perSecond / cells.get(base).perSecond;
    }

    private static CreateMessageRequest message(String conversation) {
        return CreateMessageRequest.newBuilder().setConversationId(conversation).setAuthorId("bench")
                                   .setText("hello from the benchmark").build();
    }

    private static CompletableFuture<Integer> post(WebClient http, String path, String body) {
        return http.execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body)).aggregate()
                   .thenApply(response -> {
                       if (response.status().code() != 200) {
                           throw new IllegalStateException(path + " answered " + response.status());
                       }
                       return response.status().code();
                   });
    }

    static <T> CompletableFuture<T> toFuture(com.google.common.util.concurrent.ListenableFuture<T> future) {
        final CompletableFuture<T> done = new CompletableFuture<>();
        future.addListener(() -> {
            try {
                done.complete(future.get());
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }, Runnable::run);
        return done;
    }

    /**
     * Keeps {@code concurrency} calls in flight for the given number of seconds; records each
     * call's latency and the CPU the server process and this generator used meanwhile.
     */
    static Cell measure(long serverPid, int concurrency, Supplier<CompletableFuture<?>> call, long seconds)
            throws Exception {
        return Cell.of(List.of(sample(serverPid, concurrency, call, seconds)));
    }

    private static Sample sample(long serverPid, int concurrency, Supplier<CompletableFuture<?>> call,
                                 long seconds) throws IOException {
        final long compilerCpuBefore = Bench.compilerCpuNanos(serverPid);
        final long serverCpuBefore = Bench.cpuNanos(serverPid);
        final long clientCpuBefore = Bench.clientCpuNanos();
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(seconds);
        final long[] latencies = new long[(int) Math.min(4_000_000, seconds * 1_000_000)];
        final AtomicLong count = new AtomicLong();
        final AtomicBoolean failed = new AtomicBoolean();
        final CompletableFuture<?>[] loops = new CompletableFuture<?>[concurrency];
        for (int i = 0; i < concurrency; i++) {
            final CompletableFuture<Void> loop = new CompletableFuture<>();
            loops[i] = loop;
            next(call, end, latencies, count, failed, loop);
        }
        CompletableFuture.allOf(loops).join();
        final long elapsed = System.nanoTime() - start;
        return new Sample(count.get(), elapsed, Bench.cpuNanos(serverPid) - serverCpuBefore,
                          Bench.clientCpuNanos() - clientCpuBefore,
                          Bench.compilerCpuNanos(serverPid) - compilerCpuBefore,
                          Arrays.copyOf(latencies, (int) Math.min(count.get(), latencies.length)));
    }

    private static void next(Supplier<CompletableFuture<?>> call, long end, long[] latencies, AtomicLong count,
                             AtomicBoolean failed, CompletableFuture<Void> loop) {
        if (System.nanoTime() > end || failed.get()) {
            loop.complete(null);
            return;
        }
        final long start = System.nanoTime();
        call.get().whenComplete((result, cause) -> {
            if (cause != null) {
                failed.set(true);
                loop.completeExceptionally(cause);
                return;
            }
            final long index = count.getAndIncrement();
            if (index < latencies.length) {
                latencies[(int) index] = System.nanoTime() - start;
            }
            next(call, end, latencies, count, failed, loop);
        });
    }

    private static void printHeader() {
        System.out.printf(Locale.ROOT, "%-34s %5s %10s %9s %9s %10s %10s %14s%n", "call", "conc", "requests/s",
                          "p50 ms", "p99 ms", "server CPU", "client CPU", "server us/call");
    }

    private static void print(String name, int concurrency, Cell cell) {
        System.out.printf(Locale.ROOT, "%-34s %5d %10.0f %9.2f %9.2f %9.0f%% %9.0f%% %14.0f%n", name, concurrency,
                          cell.perSecond, cell.p50, cell.p99, cell.serverCpu * 100, cell.clientCpu * 100,
                          cell.serverCpu * Bench.CORES * 1e6 / cell.perSecond);
    }

    /**
     * The gateway as {@link CeilingGateway} starts it, with a JSON client (two HTTP/2 connections,
     * as two event loops make), a gRPC channel, and a conversation to write into.
     */
    private record Target(Process server, WebClient http, ManagedChannel channel, String conversation)
            implements AutoCloseable {

        private static final int PORT = 18910;

        static Target start() throws Exception {
            final Path data = Bench.scratchDirectory("bench-gateway");
            final Process server = Bench.startServer(List.of(
                    "-cp", Path.of(CeilingGateway.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                               .toString(),
                    CeilingGateway.class.getName(), String.valueOf(PORT), data.toString()));
            final WebClient http = WebClient.builder("http://127.0.0.1:" + PORT)
                                            .factory(ClientFactory.builder().maxNumEventLoopsPerEndpoint(2).build())
                                            .maxResponseLength(0)
                                            .build();
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext().build();
            try {
                Bench.awaitHttp("http://127.0.0.1:" + PORT + "/health");
                final String conversation = ThreadsGrpc.newBlockingStub(channel).createConversation(
                        CreateConversationRequest.newBuilder().setGroupId("bench").setTopic("overhead").build())
                                                       .getConversation().getId();
                return new Target(server, http, channel, conversation);
            } catch (Exception | Error e) {
                channel.shutdownNow();
                server.destroy();
                throw e;
            }
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /**
     * One stretch of calls: how many, over how long, the CPU each side used (and the server's
     * compilers, within its share), each call's latency.
     */
    private record Sample(long count, long elapsedNanos, long serverCpuNanos, long clientCpuNanos,
                          long compilerCpuNanos, long[] latencies) {}

    /** One measured cell: calls a second, latency in milliseconds, CPU as a share of all cores. */
    static final class Cell {
        double perSecond;
        double p50;
        double p99;
        double p999;
        double serverCpu;
        double clientCpu;

        /** The cell of one or more stretches of the same call, as if they had been one. */
        static Cell of(List<Sample> samples) {
            long count = 0;
            long elapsed = 0;
            long serverCpu = 0;
            long clientCpu = 0;
            final long[] sorted = new long[samples.stream().mapToInt(sample -> sample.latencies().length).sum()];
            int at = 0;
            for (Sample sample : samples) {
                count += sample.count();
                elapsed += sample.elapsedNanos();
                serverCpu += sample.serverCpuNanos();
                clientCpu += sample.clientCpuNanos();
                System.arraycopy(sample.latencies(), 0, sorted, at, sample.latencies().length);
                at += sample.latencies().length;
            }
            Arrays.sort(sorted);
            final Cell cell = new Cell();
            cell.perSecond = count / (elapsed / 1e9);
            cell.p50 = Bench.percentile(sorted, 0.50);
            cell.p99 = Bench.percentile(sorted, 0.99);
            cell.p999 = Bench.percentile(sorted, 0.999);
            cell.serverCpu = (double) serverCpu / elapsed / Bench.CORES;
            cell.clientCpu = (double) clientCpu / elapsed / Bench.CORES;
            return cell;
        }
    }
}
