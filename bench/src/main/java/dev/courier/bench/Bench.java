package dev.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;

import com.sun.management.OperatingSystemMXBean;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.PublishResponse;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;

/**
 * The Streams fan-out benchmark: one publisher, N subscribers on one topic, 128-byte messages,
 * against this project's gateway (WebSocket subscribers), a hand-written Node.js {@code ws}
 * broadcast server (WebSocket subscribers, the same client code) and nats-server (jnats
 * subscribers). Prints delivered messages per second, publish-to-receive latency, the CPU each
 * side used and, for the gateway, the heap an idle subscriber holds.
 *
 * <p>Run from the repository root after {@code mvn -q package -DskipTests} and
 * {@code npm ci --prefix bench/node}: {@code java -jar bench/target/bench.jar fanout [subscribers]
 * [messages]} (add {@code courier} or {@code courier-grpc} to run the gateway alone, with WebSocket or
 * gRPC subscribers); the other scenarios are {@code gateway} ({@link GatewayOverhead}), {@code chat}
 * ({@link ChatLatency}) and {@code threads} ({@link ThreadsAtScale}).
 */
public final class Bench {

    private static final int MESSAGE_BYTES = 128;
    /**
     * The latency run: 20,000 deliveries a second (20 messages a second to 1,000 subscribers, 2 to
     * 10,000) for ten seconds.
     */
    private static final int PACED_DELIVERIES = 20_000;
    private static final int PACED_SECONDS = 10;
    /** Unmeasured floods before the measured one go on at least this long, and begin no later than this. */
    private static final int WARM_UP_MIN_SECONDS = 5;
    private static final int WARM_UP_MAX_SECONDS = 15;
    static final int CORES = Runtime.getRuntime().availableProcessors();
    /** Each gateway's --stream-queue-size: a flood must not end its subscribers as slow readers. */
    static final int STREAM_QUEUE_SIZE = 100_000;
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /**
     * The subscribers' sockets: a connection each, never timed out while they listen. Each read
     * takes up to 64 KiB, not the few bytes Netty's adaptive reads shrink to on a quiet socket:
     * Armeria's WebSocket decoder misreads a 16-bit frame length split between two reads, and
     * small reads split frames all the time.
     */
    private static final ClientFactory socketClients =
            ClientFactory.builder()
                         .idleTimeoutMillis(0)
                         .channelOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(64 * 1024))
                         .build();

    private Bench() {}

    /** One scenario, given the command's arguments (its name first). */
    @FunctionalInterface
    private interface Scenario {

        void run(String[] args) throws Exception;
    }

    /**
     * {@code fanout [subscribers] [messages]}, {@code gateway}, {@code createmessage [seconds]},
     * {@code listmessages [seconds]}, {@code chat}, {@code threads} or {@code store [seconds]}.
     */
    public static void main(String[] args) throws Exception {
        final Map<String, Scenario> scenarios = Map.of("fanout", Bench::fanout,
                                                       "gateway", unused -> GatewayOverhead.run(),
                                                       "createmessage", GatewayOverhead::steadyCreate,
                                                       "listmessages", GatewayOverhead::steadyList,
                                                       "chat", ChatLatency::run,
                                                       "threads", ThreadsAtScale::run,
                                                       "store", StoreAlone::run);
        final Scenario scenario = scenarios.get(args.length > 0 ? args[0] : "fanout");
        if (scenario == null) {
            System.err.println("usage: bench.jar fanout [subscribers] [messages] [courier|courier-grpc] | " +
                               "gateway | createmessage [seconds] | listmessages [seconds] | chat | threads | " +
                               "store [seconds]");
            System.exit(2);
        }
        Calibration.print("before");
        scenario.run(args);
        System.out.println();
        Calibration.print("after");
        System.exit(0);
    }

    private static void fanout(String[] args) throws Exception {
        final int subscribers = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        final int messages = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        System.out.printf(Locale.ROOT, "Streams fan-out: %d subscribers, %d messages of %d bytes, %d cores%n%n",
                          subscribers, messages, MESSAGE_BYTES, CORES);
        // The gateway alone, to profile it without waiting for the peers: "courier" with WebSocket
        // subscribers, "courier-grpc" with gRPC ones.
        final String only = args.length > 3 ? args[3] : "";
        final boolean onlyCourier = only.startsWith("courier");
        final List<Result> results = new ArrayList<>();
        if (!"courier-grpc".equals(only)) {
            results.add(courier(subscribers, messages, false));
        }
        // gRPC subscribers, on 10 channels, only when asked: the scenario keeps to two minutes.
        if ("courier-grpc".equals(only)) {
            results.add(courier(subscribers, messages, true));
        }
        if (!onlyCourier) {
            results.add(nodeWs(subscribers, messages));
            results.add(nats(subscribers, messages, 10));
            // A connection a subscriber, as each WebSocket subscriber has: jnats runs threads of its
            // own for each connection, so past a thousand the generator would measure itself.
            if (subscribers <= 1000) {
                results.add(nats(subscribers, messages, subscribers));
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Flat out (as fast as the publisher can):%n");
        System.out.printf(Locale.ROOT, "%-22s %12s %9s %9s %9s %10s %10s %12s%n", "peer", "delivered/s", "p50 ms",
                          "p99 ms", "p99.9 ms", "server CPU", "client CPU", "heap/idle sub");
        for (Result result : results) {
            System.out.printf(Locale.ROOT, "%-22s %12.0f %9.2f %9.2f %9.2f %9.0f%% %9.0f%% %12s%n", result.peer,
                              result.deliveredPerSecond, result.p50, result.p99, result.p999,
                              result.serverCpu * 100, result.clientCpu * 100,
                              result.heapPerSubscriber < 0 ? "-" : (result.heapPerSubscriber / 1024) + " KiB");
        }
        System.out.printf(Locale.ROOT, "%nLatency at %d messages/s (%d deliveries/s):%n", pacedRate(subscribers),
                          pacedRate(subscribers) * subscribers);
        System.out.printf(Locale.ROOT, "%-22s %9s %9s %9s%n", "peer", "p50 ms", "p99 ms", "p99.9 ms");
        for (Result result : results) {
            System.out.printf(Locale.ROOT, "%-22s %9.2f %9.2f %9.2f%n", result.peer, result.pacedP50,
                              result.pacedP99, result.pacedP999);
        }
        final Result courier = results.get(0);
        if (!onlyCourier) {
            System.out.println();
            for (Result peer : results.subList(1, results.size())) {
                System.out.printf(Locale.ROOT, "courier / %s: %.2f%n", peer.peer,
                                  courier.deliveredPerSecond / peer.deliveredPerSecond);
            }
        }
    }

    /**
     * This project's gateway, started as its own process from gateway/target/gateway.jar, with
     * WebSocket subscribers or gRPC ones.
     */
    private static Result courier(int subscribers, int messages, boolean grpcSubscribers) throws Exception {
        final int port = 18900;
        final Path data = scratchDirectory("bench-courier");
        final Process server = startGateway(port, data);
        try {
            awaitHttp("http://127.0.0.1:" + port + "/health");
            final String token = post("http://127.0.0.1:" + port + "/streams/Token", "{\"topic\":\"bench\"}")
                    .replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
            final long heapBefore = heapAfterGc(server.pid(), port);
            final Recorder recorder = new Recorder(subscribers, messages);
            final List<Socket> sockets = grpcSubscribers
                    ? openStreams(subscribers, port, token, recorder)
                    : openSockets(subscribers, URI.create(
                            "ws://127.0.0.1:" + port + "/streams/Streams/Subscribe?topic=bench&token=" +
                            URLEncoder.encode(token, StandardCharsets.UTF_8)), recorder);
            final long heapAfter = heapAfterGc(server.pid(), port);
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            final StreamsGrpc.StreamsStub streams = StreamsGrpc.newStub(channel);
            final Semaphore inFlight = new Semaphore(64);
            final Publisher publisher = payload -> {
                inFlight.acquireUninterruptibly();
                streams.publish(Message.newBuilder().setTopic("bench").setMessage(payload).build(),
                                new StreamObserver<PublishResponse>() {
                                    @Override
                                    public void onNext(PublishResponse value) {}

                                    @Override
                                    public void onError(Throwable t) {
                                        System.err.println("publish failed: " + t.getMessage());
                                        inFlight.release();
                                    }

                                    @Override
                                    public void onCompleted() {
                                        inFlight.release();
                                    }
                                });
            };
            final Result result = run(grpcSubscribers ? "courier gateway (grpc)" : "courier gateway (ws)",
                                      recorder, publisher, server.pid());
            result.heapPerSubscriber = (heapAfter - heapBefore) / subscribers;
            sockets.forEach(Socket::abort);
            channel.shutdownNow();
            return result;
        } finally {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** Starts gateway/target/gateway.jar with a 2 GB heap and the flags in BENCH_SERVER_OPTS. */
    static Process startGateway(int port, Path data) throws IOException {
        return startServer(List.of("-jar", "gateway/target/gateway.jar", "--host", "127.0.0.1", "--port",
                                   String.valueOf(port), "--data-dir", data.toString(), "--stream-queue-size",
                                   String.valueOf(STREAM_QUEUE_SIZE), "--access-log", "off"));
    }

    /**
     * Starts a JVM with {@code -Xms2g -Xmx2g}, the flags in {@code BENCH_SERVER_OPTS}, and the given
     * launch arguments; its output is discarded.
     */
    static Process startServer(List<String> launch) throws IOException {
        return startJvm(launch, ProcessBuilder.Redirect.DISCARD);
    }

    /** As {@link #startServer}, its output (standard and error) sent to {@code output}. */
    static Process startJvm(List<String> launch, ProcessBuilder.Redirect output) throws IOException {
        // The whole heap from the start: the idle-heap measurement's full collections would
        // otherwise shrink it to under 100 MB, and the runs after it would pay a young
        // collection every few seconds, each a pause of 10-30 ms in the latency figures.
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms2g", "-Xmx2g"));
        // Extra JVM flags for the server, e.g. to record a profile: BENCH_SERVER_OPTS=-XX:StartFlightRecording=…
        final String serverOptions = System.getenv("BENCH_SERVER_OPTS");
        if (serverOptions != null && !serverOptions.isBlank()) {
            command.addAll(List.of(serverOptions.trim().split("\\s+")));
        }
        command.addAll(launch);
        return new ProcessBuilder(command).redirectOutput(output).redirectErrorStream(true).start();
    }

    /** A minimal broadcast server on Node's ws package, bench/node/broadcast.js. */
    private static Result nodeWs(int subscribers, int messages) throws Exception {
        final int port = 18901;
        final Process server = new ProcessBuilder("node", "bench/node/broadcast.js", String.valueOf(port))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        try {
            final WebSocket publisherSocket = awaitSocket(URI.create("ws://127.0.0.1:" + port + "/publish"));
            final Recorder recorder = new Recorder(subscribers, messages);
            final List<Socket> sockets =
                    openSockets(subscribers, URI.create("ws://127.0.0.1:" + port + "/subscribe"), recorder);
            final Publisher publisher = payload -> publisherSocket.sendText(payload, true).join();
            final Result result = run("node ws broadcast", recorder, publisher, server.pid());
            sockets.forEach(Socket::abort);
            publisherSocket.abort();
            return result;
        } finally {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** nats-server at 127.0.0.1:4222, subscribers spread over 10 jnats connections. */
    private static Result nats(int subscribers, int messages, int connectionCount) throws Exception {
        final Recorder recorder = new Recorder(subscribers, messages);
        final List<Connection> connections = new ArrayList<>();
        for (int c = 0; c < connectionCount; c++) {
            connections.add(Nats.connect("nats://127.0.0.1:4222"));
        }
        // One dispatcher (thread) per connection, each subscription with a handler of its own.
        final List<Dispatcher> dispatchers = new ArrayList<>();
        for (Connection connection : connections) {
            dispatchers.add(connection.createDispatcher());
        }
        for (int i = 0; i < subscribers; i++) {
            final int subscriber = i;
            dispatchers.get(i % dispatchers.size()).subscribe("bench.fanout", message -> recorder.received(
                    subscriber, new String(message.getData(), StandardCharsets.US_ASCII)));
        }
        final Connection publishing = Nats.connect("nats://127.0.0.1:4222");
        try {
            final Publisher publisher = payload -> publishing.publish("bench.fanout",
                                                                     payload.getBytes(StandardCharsets.US_ASCII));
            final String peer = connectionCount == subscribers ? "nats-server (conn/sub)"
                                                                : "nats-server (" + connectionCount + " conns)";
            return run(peer, recorder, publisher, natsServerPid());
        } finally {
            publishing.close();
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }

    private static int pacedRate(int subscribers) {
        return Math.max(1, PACED_DELIVERIES / subscribers);
    }

    /** Warms up until every subscriber has heard the topic, then publishes and waits for every delivery. */
    private static Result run(String peer, Recorder recorder, Publisher publisher, long serverPid) throws Exception {
        final Result throughput = run(peer, recorder, publisher, serverPid, 0);
        final int rate = pacedRate(recorder.subscribers());
        final Recorder paced = recorder.again(rate * PACED_SECONDS);
        final Result latency = run(peer, paced, publisher, serverPid, rate);
        throughput.pacedP50 = latency.p50;
        throughput.pacedP99 = latency.p99;
        throughput.pacedP999 = latency.p999;
        return throughput;
    }

    private static Result run(String peer, Recorder recorder, Publisher publisher, long serverPid, int rate)
            throws Exception {
        // Warm-ups go out at the paced run's 20,000 deliveries a second, so no backlog of them is
        // left to delay the measured messages.
        final long interval = Math.max(5, 1000L * recorder.subscribers() / PACED_DELIVERIES);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!recorder.allJoined()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(peer + ": subscribers never joined");
            }
            publisher.publish("warmup");
            TimeUnit.MILLISECONDS.sleep(interval);
        }
        System.out.printf(Locale.ROOT, "%s: every subscriber heard the warm-up after %.1f s%n", peer,
                          (System.nanoTime() - deadline) / 1e9 + 60);
        final String padding = "x".repeat(MESSAGE_BYTES);
        if (rate == 0) {
            warmUp(peer, recorder, publisher, padding);
        }
        TimeUnit.MILLISECONDS.sleep(1000);
        recorder.startMeasuring();
        final long serverCpuBefore = cpuNanos(serverPid);
        final long clientCpuBefore = clientCpuNanos();
        final long start = System.nanoTime();
        for (int i = 0; i < recorder.messages; i++) {
            if (rate > 0) {
                // At a fixed rate the latency is the system's own, not the queue of a flood.
                final long due = start + i * 1_000_000_000L / rate;
                while (System.nanoTime() < due) {
                    java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                }
            }
            publisher.publish(stamped(padding));
        }
        recorder.awaitAll(Duration.ofSeconds(120));
        final long elapsed = recorder.lastReceive() - start;
        final Result result = new Result(peer);
        result.deliveredPerSecond = recorder.expected() * 1e9 / elapsed;
        final long[] latencies = recorder.latencies();
        Arrays.sort(latencies);
        result.p50 = percentile(latencies, 0.50);
        result.p99 = percentile(latencies, 0.99);
        result.p999 = percentile(latencies, 0.999);
        result.serverCpu = (double) (cpuNanos(serverPid) - serverCpuBefore) / elapsed / CORES;
        result.clientCpu = (double) (clientCpuNanos() - clientCpuBefore) / elapsed / CORES;
        System.out.printf(Locale.ROOT, "%s%s: %d deliveries in %.2f s%n", peer,
                          rate > 0 ? " at " + rate + " messages/s" : " flat out", recorder.expected(), elapsed / 1e9);
        return result;
    }

    /**
     * Unmeasured floods of an eighth of the measured one, for at least WARM_UP_MIN_SECONDS and
     * then until one is no more than 5% faster than the fastest before it, so that the measured
     * flood times every peer's compiled hot path (the JVM's JIT, V8's, the generator's own), not
     * its compilers: on two cores a JVM compiles the delivery path for seconds, and a flood that
     * starts too early measures half the rate it reaches later. None begins after
     * WARM_UP_MAX_SECONDS, so that a slow peer's warm-up stays within the scenario's time.
     */
    private static void warmUp(String peer, Recorder recorder, Publisher publisher, String padding)
            throws Exception {
        final int flood = Math.max(1, recorder.messages / 8);
        final long deliveries = (long) flood * recorder.subscribers();
        final long begun = System.nanoTime();
        double first = 0;
        double best = 0;
        double last;
        int floods = 0;
        boolean done;
        do {
            floods++;
            final long start = System.nanoTime();
            for (int i = 0; i < flood; i++) {
                publisher.publish(stamped(padding));
            }
            recorder.awaitUnmeasured(deliveries * floods, Duration.ofSeconds(120));
            final long now = System.nanoTime();
            last = deliveries * 1e9 / (now - start);
            first = floods == 1 ? last : first;
            final boolean settled = floods > 1 && last < best * 1.05 &&
                                    now - begun > TimeUnit.SECONDS.toNanos(WARM_UP_MIN_SECONDS);
            done = settled || now - begun > TimeUnit.SECONDS.toNanos(WARM_UP_MAX_SECONDS);
            best = Math.max(best, last);
        } while (!done);
        System.out.printf(Locale.ROOT, "%s: %d warm-up floods of %d messages in %.1f s, " +
                                       "delivered/s %.0f first, %.0f best, %.0f last%n",
                          peer, floods, flood, (System.nanoTime() - begun) / 1e9, first, best, last);
    }

    /** A message of MESSAGE_BYTES that carries the time it was made. */
    private static String stamped(String padding) {
        final String stamp = "@@" + System.nanoTime() + ';';
        return stamp + padding.substring(stamp.length());
    }

    static double percentile(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1e6;
    }

    /**
     * Opens subscribers' sockets on Armeria's WebSocket client, whose event loops read the frames
     * where they arrive: a client that hands each frame to another thread spends more time than
     * the servers it measures, and its latency with them.
     */
    private static List<Socket> openSockets(int count, URI uri, Recorder recorder) {
        final long start = System.nanoTime();
        final List<Socket> sockets = "jdk".equals(System.getenv("BENCH_WS_CLIENT"))
                                     ? openJdkSockets(count, uri, recorder) : openArmeriaSockets(count, uri, recorder);
        System.out.printf(Locale.ROOT, "%d sockets open in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
        return sockets;
    }

    private static List<Socket> openArmeriaSockets(int count, URI uri, Recorder recorder) {
        // HTTP/1.1, a connection per socket, as browsers open them; over HTTP/2 the client would
        // carry every socket on one connection.
        final WebSocketClient client = WebSocketClient.builder(SessionProtocol.H1C,
                                                               Endpoint.of(uri.getHost(), uri.getPort()))
                                                      .factory(socketClients)
                                                      .build();
        final String path = uri.getRawPath() + (uri.getRawQuery() != null ? '?' + uri.getRawQuery() : "");
        final List<CompletableFuture<Socket>> opening = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int subscriber = i;
            opening.add(client.connect(path).thenApply(session -> {
                final WebSocketWriter outbound = session.outbound();
                session.inbound().subscribe(new Subscriber<WebSocketFrame>() {
                    private Subscription subscription;

                    @Override
                    public void onSubscribe(Subscription subscription) {
                        this.subscription = subscription;
                        subscription.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(WebSocketFrame frame) {
                        try (frame) {
                            if (frame.type() == WebSocketFrameType.TEXT) {
                                recorder.received(subscriber, frame.text());
                            } else if (frame.type() == WebSocketFrameType.PING) {
                                outbound.tryWrite(WebSocketFrame.ofPong(frame.array()));
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable cause) {
                        recorder.lost(cause);
                    }

                    @Override
                    public void onComplete() {}
                });
                return (Socket) () -> {
                    outbound.abort();
                    session.inbound().abort();
                };
            }));
        }
        final List<Socket> sockets = new ArrayList<>();
        for (CompletableFuture<Socket> socket : opening) {
            sockets.add(socket.join());
        }
        return sockets;
    }

    /**
     * Opens subscribers' sockets on the JDK's HTTP client instead (BENCH_WS_CLIENT=jdk): slower to
     * take frames in, but another implementation to check a run against.
     */
    private static List<Socket> openJdkSockets(int count, URI uri, Recorder recorder) {
        final List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int subscriber = i;
            opening.add(http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        recorder.received(subscriber, partial);
                        partial.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }
            }));
        }
        final List<Socket> sockets = new ArrayList<>();
        for (CompletableFuture<WebSocket> socket : opening) {
            sockets.add(socket.join()::abort);
        }
        return sockets;
    }

    /** Opens gRPC Subscribe streams, spread over 10 channels. */
    private static List<Socket> openStreams(int count, int port, String token, Recorder recorder) {
        final List<ManagedChannel> channels = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build());
        }
        final SubscribeRequest request = SubscribeRequest.newBuilder().setTopic("bench").setToken(token).build();
        final List<Socket> streams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int subscriber = i;
            final List<ClientCallStreamObserver<?>> call = new ArrayList<>(1);
            StreamsGrpc.newStub(channels.get(i % channels.size())).subscribe(
                    request, new ClientResponseObserver<SubscribeRequest, Message>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
                            call.add(requestStream);
                        }

                        @Override
                        public void onNext(Message message) {
                            recorder.received(subscriber, message.getMessage());
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                    });
            streams.add(() -> call.get(0).cancel("done", null));
        }
        streams.add(() -> channels.forEach(ManagedChannel::shutdownNow));
        return streams;
    }

    /** A subscriber's open socket. */
    private interface Socket {
        void abort();
    }

    private static WebSocket awaitSocket(URI uri) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                return http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {}).join();
            } catch (RuntimeException e) {
                if (i > 200) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    static void awaitHttp(String url) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                if (i > 600) {
                    throw new IllegalStateException(url + " never answered", e);
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static String post(String url, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                         HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The heap the server holds after a full collection, from its own metrics. */
    private static long heapAfterGc(long pid, int port) throws Exception {
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                           String.valueOf(pid), "GC.run")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        final String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        long used = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return used;
    }

    /**
     * A new directory for a server's database, deleted with everything in it when the benchmark
     * exits: a run writes gigabytes there, and a few runs left behind would fill the disk.
     */
    static Path scratchDirectory(String prefix) throws IOException {
        final Path directory = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                System.err.println("Could not delete " + directory + ": " + e);
            }
        }));
        return directory;
    }

    /** CPU time a process has used, from /proc (clock ticks of 10 ms). */
    static long cpuNanos(long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }

    /**
     * CPU time the JIT compiler threads of a process have used, from /proc: while it still grows,
     * a measurement would time the compilers along with the calls.
     */
    static long compilerCpuNanos(long pid) throws IOException {
        return cpuNanosByThread(pid).entrySet().stream().filter(thread -> thread.getKey().contains("CompilerThre"))
                                    .mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * CPU time each live thread of a process has used, from /proc, summed by name: a name as the
     * kernel keeps it, cut to 15 characters ("C2 CompilerThre"). Threads that ended are not in it.
     */
    static Map<String, Long> cpuNanosByThread(long pid) throws IOException {
        final Map<String, Long> nanos = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                final String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (NoSuchFileException e) {
                    continue; // the thread ended meanwhile
                }
                final String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                final long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                nanos.merge(name, ticks * 10_000_000L, Long::sum);
            }
        }
        return nanos;
    }

    static long clientCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long natsServerPid() throws IOException, InterruptedException {
        final Process pidof = new ProcessBuilder("pidof", "nats-server").start();
        pidof.waitFor(10, TimeUnit.SECONDS);
        return Long.parseLong(new String(pidof.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                                      .trim().split("\\s+")[0]);
    }

    @FunctionalInterface
    private interface Publisher {
        void publish(String payload) throws Exception;
    }

    /** Every subscriber's latencies, from the nanoTime stamped in each message. */
    private static final class Recorder {

        final int messages;
        private final long[][] latencies;
        private final int[] counts;
        private final boolean[] joined;
        private final AtomicLong delivered = new AtomicLong();
        private final AtomicLong lastReceive = new AtomicLong();
        private final AtomicInteger lostSockets = new AtomicInteger();
        private final AtomicReference<Throwable> firstLoss = new AtomicReference<>();
        /** Stamped messages received before measuring began: the warm-up flood. */
        private final AtomicLong unmeasured = new AtomicLong();
        private volatile boolean measuring;
        private volatile int joinedCount;
        /** Where deliveries go once a later run has started. */
        private volatile Recorder successor;

        Recorder(int subscribers, int messages) {
            this.messages = messages;
            latencies = new long[subscribers][messages];
            counts = new int[subscribers];
            joined = new boolean[subscribers];
        }

        /** A recorder for another run over the same subscribers, who have all joined already. */
        Recorder again(int messages) {
            final Recorder next = new Recorder(joined.length, messages);
            Arrays.fill(next.joined, true);
            next.joinedCount = joined.length;
            successor = next;
            return next;
        }

        void received(int subscriber, CharSequence frame) {
            if (successor != null) {
                successor.received(subscriber, frame);
                return;
            }
            final long now = System.nanoTime();
            final String text = frame.toString();
            // Not "t=": a JSON printer may write '=' as \u003d.
            final int stamp = text.indexOf("@@");
            if (stamp < 0) {
                synchronized (joined) {
                    if (!joined[subscriber]) {
                        joined[subscriber] = true;
                        joinedCount++;
                    }
                }
                return;
            }
            if (!measuring) {
                unmeasured.incrementAndGet();
                return;
            }
            final long sent = Long.parseLong(text, stamp + 2, text.indexOf(';', stamp), 10);
            synchronized (latencies[subscriber]) {
                if (counts[subscriber] < messages) {
                    latencies[subscriber][counts[subscriber]++] = now - sent;
                }
            }
            delivered.incrementAndGet();
            lastReceive.accumulateAndGet(now, Math::max);
        }

        int subscribers() {
            return joined.length;
        }

        boolean allJoined() {
            return joinedCount == joined.length;
        }

        void startMeasuring() {
            measuring = true;
        }

        long expected() {
            return (long) messages * joined.length;
        }

        long lastReceive() {
            return lastReceive.get();
        }

        /** A subscriber's socket failed: the run cannot deliver everything, and stops. */
        void lost(Throwable cause) {
            if (successor != null) {
                successor.lost(cause);
                return;
            }
            lostSockets.incrementAndGet();
            firstLoss.compareAndSet(null, cause);
        }

        void awaitAll(Duration timeout) throws InterruptedException {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (delivered.get() < expected()) {
                if (lostSockets.get() > 0 || System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "only " + delivered.get() + " of " + expected() + " delivered" +
                            (lostSockets.get() > 0 ? "; " + lostSockets.get() + " sockets failed, the first with " +
                                                     firstLoss.get() : ""));
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
        }

        void awaitUnmeasured(long count, Duration timeout) throws InterruptedException {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (unmeasured.get() < count) {
                if (lostSockets.get() > 0 || System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + unmeasured.get() + " of " + count +
                                                    " warm-up messages delivered");
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
        }

        long[] latencies() {
            final long[] all = new long[(int) delivered.get()];
            int at = 0;
            for (int i = 0; i < latencies.length; i++) {
                System.arraycopy(latencies[i], 0, all, at, counts[i]);
                at += counts[i];
            }
            return Arrays.copyOf(all, at);
        }
    }

    private static final class Result {
        final String peer;
        double deliveredPerSecond;
        double p50;
        double p99;
        double p999;
        double serverCpu;
        double clientCpu;
        long heapPerSubscriber = -1;
        double pacedP50;
        double pacedP99;
        double pacedP999;

        Result(String peer) {
            this.peer = peer;
        }
    }
}
