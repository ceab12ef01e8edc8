package dev.courier.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Int32Value;

import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.NewResponse;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Chat end to end: 250 chats of 4 users, every user on Chat.Connect sending at a fixed rate,
 * first over gRPC, then over WebSocket. Prints, per rate, the messages sent and the messages
 * stored and delivered to all three other members per second, the send-to-receive latency and
 * the CPU the server and this generator used. History must then hold every message sent, so a
 * lost message fails the run rather than flattering it.
 *
 * <p>{@code java -jar bench/target/bench.jar chat [rates] [seconds]}: by default 1, 2 and 4
 * messages a second per user (1,000 to 4,000 messages stored a second, three deliveries each), 10
 * seconds each; the highest is about what two cores sustain.
 */
final class ChatLatency {

    private static final int PORT = 18920;
    private static final int CHATS = 250;
    private static final int MEMBERS = 4;
    private static final int USERS = CHATS * MEMBERS;
    /** Messages a second each user sends, one measured run per rate. */
    private static final String DEFAULT_RATES = "1,2,4";
    private static final long DEFAULT_SECONDS = 10;
    private static final long WARM_UP_SECONDS = 5;
    /** At most this many warm-up runs a transport, each {@link #WARM_UP_SECONDS} long. */
    private static final int WARM_UP_RUNS = 3;
    /** The server's compilers count as done once they used less than this share of one core in a run. */
    private static final double QUIET_COMPILERS = 0.02;
    private static final int TEXT_BYTES = 64;
    private static final int CHANNELS = 4;
    /** History's largest page. */
    private static final int PAGE = 1000;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final String WARM_UP = "warmup;";
    private static final Metadata.Key<String> CHAT_ID =
            Metadata.Key.of("chat-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> USER_ID =
            Metadata.Key.of("user-id", Metadata.ASCII_STRING_MARSHALLER);

    private ChatLatency() {}

    /** {@code chat [rates per user, comma-separated] [seconds per rate]}. */
    static void run(String[] args) throws Exception {
        final long began = System.nanoTime();
        final int[] rates = Arrays.stream((args.length > 1 ? args[1] : DEFAULT_RATES).split(","))
                                  .mapToInt(Integer::parseInt).toArray();
        final long seconds = args.length > 2 ? Long.parseLong(args[2]) : DEFAULT_SECONDS;
        final Path data = Bench.scratchDirectory("bench-chat");
        final Process server = Bench.startGateway(PORT, data);
        final List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < CHANNELS; i++) {
            // Deliveries are handled on the transport's threads: recording one costs less than a hand-off.
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext().directExecutor().build());
        }
        try {
            Bench.awaitHttp("http://127.0.0.1:" + PORT + "/health");
            System.out.printf(Locale.ROOT,
                              "Chat: %d chats x %d users on Connect, %d-byte texts, %d s per rate, %d cores%n%n",
                              CHATS, MEMBERS, TEXT_BYTES, seconds, Bench.CORES);
            final List<Row> rows = new ArrayList<>();
            // Each transport has chats of its own: both start from empty histories.
            final Chats grpcChats = Chats.create(channels.get(0), "g");
            final Receiver overGrpc = new Receiver("gRPC");
            rows.addAll(measure(overGrpc, connectGrpc(channels, grpcChats, overGrpc), grpcChats, rates, seconds,
                                server.pid()));
            verifyHistory(channels.get(0), grpcChats, overGrpc);
            final Chats webSocketChats = Chats.create(channels.get(0), "w");
            final Receiver overWebSocket = new Receiver("WebSocket");
            rows.addAll(measure(overWebSocket, connectWebSockets(webSocketChats, overWebSocket), webSocketChats,
                                rates, seconds, server.pid()));
            verifyHistory(channels.get(0), webSocketChats, overWebSocket);

            System.out.println();
            System.out.printf(Locale.ROOT, "%-10s %9s %8s %19s %8s %8s %9s %11s %14s%n", "transport", "rate/user",
                              "sent/s", "stored+delivered/s", "p50 ms", "p99 ms", "p99.9 ms", "server CPU",
                              "generator CPU");
            for (Row row : rows) {
                System.out.printf(Locale.ROOT, "%-10s %7d/s %8.0f %19.0f %8.2f %8.2f %9.2f %10.0f%% %13.0f%%%n",
                                  row.transport, row.rate, row.sentPerSecond, row.storedPerSecond, row.p50,
                                  row.p99, row.p999, row.serverCpu * 100, row.generatorCpu * 100);
            }
            System.out.printf(Locale.ROOT, "%nTook %.0f s.%n", (System.nanoTime() - began) / 1e9);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** One Connect stream per user, spread over the channels. */
    private static List<Connection> connectGrpc(List<ManagedChannel> channels, Chats chats, Receiver receiver) {
        final List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            final int user = i;
            final Metadata headers = new Metadata();
            headers.put(CHAT_ID, chats.ids[user / MEMBERS]);
            headers.put(USER_ID, chats.userId(user));
            final ChatGrpc.ChatStub chat =
                    ChatGrpc.newStub(channels.get(user % channels.size()))
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            final CompletableFuture<Void> ended = new CompletableFuture<>();
            final StreamObserver<Message> requests = chat.connect(new StreamObserver<>() {
                @Override
                public void onNext(Message message) {
                    receiver.received(user, message.getText());
                }

                @Override
                public void onError(Throwable t) {
                    receiver.failed(user, Status.fromThrowable(t).toString());
                    ended.complete(null);
                }

                @Override
                public void onCompleted() {
                    receiver.ended(user);
                    ended.complete(null);
                }
            });
            connections.add(new Connection() {
                @Override
                public void send(String text) {
                    // A stream that is not ready buffers here: a server that lags shows as latency.
                    requests.onNext(Message.newBuilder().setText(text).build());
                }

                @Override
                public CompletableFuture<Void> close() {
                    requests.onCompleted();
                    return ended;
                }
            });
        }
        return connections;
    }

    /** One WebSocket per user, all on one client (one selector thread, like the gRPC channels' loops). */
    private static List<Connection> connectWebSockets(Chats chats, Receiver receiver) {
        final HttpClient client = HttpClient.newHttpClient();
        final List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
        final List<CompletableFuture<Void>> endings = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            final int user = i;
            final URI uri = URI.create("ws://127.0.0.1:" + PORT + "/chat/Chat/Connect?chat_id=" +
                                       chats.ids[user / MEMBERS] + "&user_id=" + chats.userId(user));
            final CompletableFuture<Void> ended = new CompletableFuture<>();
            endings.add(ended);
            opening.add(client.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence frame, boolean last) {
                    partial.append(frame);
                    if (last) {
                        receiver.received(user, partial.toString());
                        partial.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                    if (statusCode == WebSocket.NORMAL_CLOSURE) {
                        receiver.ended(user);
                    } else {
                        receiver.failed(user, "closed with " + statusCode + ' ' + reason);
                    }
                    ended.complete(null);
                    return null;
                }

                @Override
                public void onError(WebSocket webSocket, Throwable error) {
                    receiver.failed(user, error.toString());
                    ended.complete(null);
                }
            }));
        }
        final List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            final int user = i;
            final CompletableFuture<Void> ended = endings.get(i);
            final WebSocket webSocket = opening.get(i).join();
            connections.add(new Connection() {
                // A WebSocket takes one send at a time: each waits for the one before.
                private CompletableFuture<WebSocket> sending = CompletableFuture.completedFuture(webSocket);

                @Override
                public void send(String text) {
                    sending = sending.thenCompose(socket -> socket.sendText("{\"text\":\"" + text + "\"}", true));
                    sending.exceptionally(cause -> {
                        receiver.failed(user, "a send failed: " + cause);
                        return null;
                    });
                }

                @Override
                public CompletableFuture<Void> close() {
                    sending = sending.thenCompose(socket -> socket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
                    return sending.thenCompose(socket -> ended);
                }
            });
        }
        return connections;
    }

    /** Warms the connections up, runs each rate, then closes them, expecting no failure on the way. */
    private static List<Row> measure(Receiver receiver, List<Connection> connections, Chats chats, int[] rates,
                                     long seconds, long serverPid) throws Exception {
        warmUp(receiver, connections, chats.sent);
        // Unmeasured runs at the first rate until the server's compilers are done, so that no
        // measured run pays for the JIT: on a slow day they work for 40 s and more.
        for (int run = 0; run < WARM_UP_RUNS; run++) {
            final long compilerBefore = Bench.compilerCpuNanos(serverPid);
            final long start = System.nanoTime();
            measureRate(receiver, connections, new Run(0, rates[0], WARM_UP_SECONDS), serverPid, chats.sent);
            if (Bench.compilerCpuNanos(serverPid) - compilerBefore < QUIET_COMPILERS * (System.nanoTime() - start)) {
                break;
            }
        }
        final List<Row> rows = new ArrayList<>();
        for (int i = 0; i < rates.length; i++) {
            rows.add(measureRate(receiver, connections, new Run(i + 1, rates[i], seconds), serverPid,
                                 chats.sent));
        }
        receiver.closing = true;
        final List<CompletableFuture<Void>> closed = new ArrayList<>();
        connections.forEach(connection -> closed.add(connection.close()));
        CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        receiver.throwIfFailed();
        return rows;
    }

    /**
     * Sends rounds of warm-up messages until one round reaches every other member of every chat:
     * then every stream is subscribed, and no warm-up is still on its way to spoil the latencies.
     */
    private static void warmUp(Receiver receiver, List<Connection> connections, long[] sentPerChat)
            throws InterruptedException {
        for (int round = 1; ; round++) {
            if (round > 30) {
                throw new IllegalStateException(receiver.transport + ": the connections never all joined");
            }
            receiver.startWarmUpRound(round);
            for (int user = 0; user < USERS; user++) {
                connections.get(user).send(WARM_UP + round + ';');
                sentPerChat[user / MEMBERS]++;
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (receiver.warmUpDeliveries.get() < USERS * (MEMBERS - 1) && System.nanoTime() < deadline) {
                receiver.throwIfFailed();
                TimeUnit.MILLISECONDS.sleep(10);
            }
            receiver.throwIfFailed();
            if (receiver.warmUpDeliveries.get() == USERS * (MEMBERS - 1)) {
                System.out.printf(Locale.ROOT, "%s: %d connections joined after %d warm-up round(s)%n",
                                  receiver.transport, USERS, round);
                return;
            }
        }
    }

    /**
     * Sends the run's messages from this one thread, in time order, spread evenly: user u sends
     * at start + (k * USERS + u) / (rate * USERS) seconds. One thread writes every connection,
     * so no stream is written by two at once.
     */
    private static Row measureRate(Receiver receiver, List<Connection> connections, Run run, long serverPid,
                                   long[] sentPerChat) throws Exception {
        receiver.run = run;
        final String padding = "x".repeat(TEXT_BYTES);
        final long serverCpuBefore = Bench.cpuNanos(serverPid);
        final long compilerCpuBefore = Bench.compilerCpuNanos(serverPid);
        final long generatorCpuBefore = Bench.clientCpuNanos();
        final long start = System.nanoTime();
        final long sendsPerSecond = (long) run.rate * USERS;
        long worstLag = 0;
        for (int i = 0; i < run.messages; i++) {
            final long due = start + i * 1_000_000_000L / sendsPerSecond;
            long now = System.nanoTime();
            while (now < due) {
                LockSupport.parkNanos(due - now);
                now = System.nanoTime();
            }
            worstLag = Math.max(worstLag, now - due);
            // Not "t=": a JSON printer may write '=' as \u003d.
            final String stamp = "@@" + now + ';' + run.number + ';' + i + ';';
            connections.get(i % USERS).send(stamp + padding.substring(stamp.length()));
            sentPerChat[i % USERS / MEMBERS]++;
        }
        final long sendingEnded = System.nanoTime();
        run.awaitCompletion(receiver);
        final long end = System.nanoTime();
        final Row row = new Row(receiver.transport, run.rate);
        row.sentPerSecond = run.messages * 1e9 / (sendingEnded - start);
        row.storedPerSecond = run.messages * 1e9 / (run.lastCompleted.get() - start);
        final long[] latencies = run.latencies();
        Arrays.sort(latencies);
        row.p50 = Bench.percentile(latencies, 0.50);
        row.p99 = Bench.percentile(latencies, 0.99);
        row.p999 = Bench.percentile(latencies, 0.999);
        row.serverCpu = (double) (Bench.cpuNanos(serverPid) - serverCpuBefore) / (end - start) / Bench.CORES;
        row.generatorCpu = (double) (Bench.clientCpuNanos() - generatorCpuBefore) / (end - start) / Bench.CORES;
        System.out.printf(Locale.ROOT, "%s at %d/s a user%s: %d messages, %d deliveries in %.2f s, " +
                                       "p99 %.1f ms, server CPU %.0f%%, its compilers %.1f%% of one core " +
                                       "(sending fell behind by at most %.1f ms)%n",
                          receiver.transport, run.rate, run.number == 0 ? " (warm-up)" : "", run.messages,
                          latencies.length,
                          (run.lastCompleted.get() - start) / 1e9, row.p99, row.serverCpu * 100,
                          100.0 * (Bench.compilerCpuNanos(serverPid) - compilerCpuBefore) / (end - start),
                          worstLag / 1e6);
        return row;
    }

    /** Counts every chat's messages in History and fails unless each holds exactly what was sent. */
    private static void verifyHistory(ManagedChannel channel, Chats chats, Receiver receiver) {
        final ChatGrpc.ChatBlockingStub chat = ChatGrpc.newBlockingStub(channel);
        long sent = 0;
        long stored = 0;
        final List<String> mismatches = new ArrayList<>();
        for (int c = 0; c < CHATS; c++) {
            final long count = storedCount(chat, chats.ids[c]);
            sent += chats.sent[c];
            stored += count;
            if (count != chats.sent[c]) {
                mismatches.add(chats.ids[c] + ": " + count + " stored of " + chats.sent[c] + " sent");
            }
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException(receiver.transport + ": History disagrees with what was sent in " +
                                            mismatches.size() + " chats (" + stored + " stored of " + sent +
                                            "), e.g. " + mismatches.subList(0, Math.min(5, mismatches.size())));
        }
        System.out.printf(Locale.ROOT, "%s: History holds all %d messages sent, warm-ups included%n",
                          receiver.transport, sent);
    }

    private static long storedCount(ChatGrpc.ChatBlockingStub chat, String chatId) {
        long count = 0;
        String beforeId = "";
        while (true) {
            final HistoryRequest.Builder request = HistoryRequest.newBuilder().setChatId(chatId)
                                                                 .setLimit(Int32Value.of(PAGE));
            if (!beforeId.isEmpty()) {
                request.setBeforeId(beforeId);
            }
            final List<Message> page = chat.history(request.build()).getMessagesList();
            count += page.size();
            if (page.size() < PAGE) {
                return count;
            }
            beforeId = page.get(0).getId();
        }
    }

    /** The chats of one transport, and how many messages were sent into each. */
    private static final class Chats {

        final String prefix;
        final String[] ids = new String[CHATS];
        final long[] sent = new long[CHATS];

        private Chats(String prefix) {
            this.prefix = prefix;
        }

        /** Creates the chats of users named after the prefix, all at once. */
        static Chats create(ManagedChannel channel, String prefix) throws Exception {
            final Chats chats = new Chats(prefix);
            final ChatGrpc.ChatFutureStub chat = ChatGrpc.newFutureStub(channel);
            final List<ListenableFuture<NewResponse>> created = new ArrayList<>();
            for (int c = 0; c < CHATS; c++) {
                final NewRequest.Builder request = NewRequest.newBuilder();
                for (int k = 0; k < MEMBERS; k++) {
                    request.addUserIds(chats.userId(c * MEMBERS + k));
                }
                created.add(chat.new_(request.build()));
            }
            for (int c = 0; c < CHATS; c++) {
                chats.ids[c] = created.get(c).get(30, TimeUnit.SECONDS).getChatId();
            }
            return chats;
        }

        String userId(int user) {
            return prefix + user / MEMBERS + '-' + user % MEMBERS;
        }
    }

    /** One user's live connection to its chat, written by one thread only. */
    private interface Connection {
        void send(String text);

        /** Ends the client's side; completes once the server has ended the stream too. */
        CompletableFuture<Void> close();
    }

    /** Where the connections of one transport report what they receive and how they end. */
    private static final class Receiver {

        final String transport;
        final AtomicInteger warmUpDeliveries = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();
        private volatile int warmUpRound;
        volatile Run run;
        volatile boolean closing;

        Receiver(String transport) {
            this.transport = transport;
        }

        void startWarmUpRound(int round) {
            warmUpDeliveries.set(0);
            warmUpRound = round;
        }

        void received(int user, String text) {
            final long now = System.nanoTime();
            final int stamp = text.indexOf("@@");
            if (stamp < 0) {
                final int warmUp = text.indexOf(WARM_UP);
                if (warmUp < 0) {
                    failed(user, "received a message that is neither a warm-up nor measured: " + text);
                } else if (number(text, warmUp + WARM_UP.length()) == warmUpRound) {
                    warmUpDeliveries.incrementAndGet();
                }
                return;
            }
            final int runAt = text.indexOf(';', stamp) + 1;
            final int indexAt = text.indexOf(';', runAt) + 1;
            final long sent = Long.parseLong(text, stamp + 2, runAt - 1, 10);
            final Run current = run;
            if (current == null || current.number != number(text, runAt)) {
                failed(user, "received a message of an earlier run, after that run had all of its deliveries");
                return;
            }
            final String wrong = current.delivered(user, number(text, indexAt), now - sent, now);
            if (wrong != null) {
                failed(user, wrong);
            }
        }

        /** The stream ended normally: right only once this side has closed it. */
        void ended(int user) {
            if (!closing) {
                failed(user, "the server ended the stream");
            }
        }

        void failed(int user, String why) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, "user " + user + ": " + why);
        }

        void throwIfFailed() {
            if (failures.get() > 0) {
                throw new IllegalStateException(transport + ": " + failures.get() + " failures, the first " +
                                                firstFailure.get());
            }
        }

        private static int number(String text, int from) {
            return Integer.parseInt(text, from, text.indexOf(';', from), 10);
        }
    }

    /** One measured run at one rate: who has received each message, and every delivery's latency. */
    private static final class Run {

        final int number;
        final int rate;
        final int messages;
        final AtomicLong lastCompleted = new AtomicLong();
        /** Per message, a bit per member that has received it. */
        private final AtomicIntegerArray receivedBy;
        private final long[] latencies;
        private final AtomicInteger deliveries = new AtomicInteger();
        /** Deliveries whose latency is written: counted after the write, so reading up to it is safe. */
        private final AtomicInteger recorded = new AtomicInteger();

        Run(int number, int rate, long seconds) {
            this.number = number;
            this.rate = rate;
            messages = (int) (rate * USERS * seconds);
            receivedBy = new AtomicIntegerArray(messages);
            latencies = new long[messages * (MEMBERS - 1)];
        }

        /** Records a delivery; returns what was wrong with it, or null. */
        String delivered(int receiver, int index, long latency, long now) {
            final int sender = index % USERS;
            if (sender == receiver) {
                return "received its own message " + index;
            }
            if (sender / MEMBERS != receiver / MEMBERS) {
                return "received message " + index + " of another chat";
            }
            final int bit = 1 << receiver % MEMBERS;
            final int before = receivedBy.getAndAccumulate(index, bit, (seen, member) -> seen | member);
            if ((before & bit) != 0) {
                return "received message " + index + " twice";
            }
            latencies[deliveries.getAndIncrement()] = latency;
            final int everyOther = ((1 << MEMBERS) - 1) & ~(1 << sender % MEMBERS);
            if ((before | bit) == everyOther) {
                lastCompleted.accumulateAndGet(now, Math::max);
            }
            recorded.incrementAndGet();
            return null;
        }

        /**
         * Waits until every message has reached every other member of its chat: as duplicates
         * fail the run, that is when every delivery there can be is recorded.
         */
        void awaitCompletion(Receiver receiver) throws InterruptedException {
            final long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (recorded.get() < latencies.length) {
                receiver.throwIfFailed();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(String.format(
                            Locale.ROOT, "%s at %d/s a user: only %d of %d deliveries (%d messages to %d " +
                                         "members each) within %d s of the last send",
                            receiver.transport, rate, recorded.get(), latencies.length, messages,
                            MEMBERS - 1, DRAIN_TIMEOUT.toSeconds()));
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            receiver.throwIfFailed();
        }

        long[] latencies() {
            return Arrays.copyOf(latencies, recorded.get());
        }
    }

    private static final class Row {
        final String transport;
        final int rate;
        double sentPerSecond;
        double storedPerSecond;
        double p50;
        double p99;
        double p999;
        double serverCpu;
        double generatorCpu;

        Row(String transport, int rate) {
            this.transport = transport;
            this.rate = rate;
        }
    }
}
