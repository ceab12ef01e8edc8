package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryResponse;
import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.NewResponse;
import dev.courier.chat.Chat;
import dev.courier.streams.bus.InProcessBus;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * One chat, many kinds of clients: gRPC Connect streams, WebSockets and JSON Send, all on the
 * gateway's port.
 */
class ChatEndToEndTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(dataDir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String newChat(String... users) {
        final HttpResponse<String> created = server.post(
                "/chat/New", "{\"user_ids\":[" + java.util.Arrays.stream(users).map(u -> '"' + u + '"')
                                                              .collect(Collectors.joining(",")) + "]}");
        assertEquals(200, created.statusCode(), created.body());
        return Json.<NewResponse>parse(created.body(), NewResponse.newBuilder()).getChatId();
    }

    private static void send(String chatId, String userId, String text) {
        final HttpResponse<String> sent = server.post(
                "/chat/Chat/Send", "{\"chat_id\":\"" + chatId + "\",\"user_id\":\"" + userId + "\",\"text\":\"" +
                                   text + "\"}");
        assertEquals(200, sent.statusCode(), sent.body());
    }

    private static List<String> history(String chatId) {
        final HttpResponse<String> history = server.post("/chat/Chat/History", "{\"chat_id\":\"" + chatId + "\"}");
        assertEquals(200, history.statusCode(), history.body());
        return Json.<HistoryResponse>parse(history.body(), HistoryResponse.newBuilder())
                   .getMessagesList().stream().map(Message::getText).collect(Collectors.toList());
    }

    private static URI socketUri(String chatId, String userId) {
        return URI.create("ws://127.0.0.1:" + server.gateway.port() + "/chat/Chat/Connect?chat_id=" + chatId +
                          "&user_id=" + userId);
    }

    /** A gRPC Connect stream that records the texts it receives. */
    private static final class GrpcClient {
        final List<String> texts = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        final StreamObserver<Message> requests;

        GrpcClient(String chatId, String userId) {
            final Metadata headers = new Metadata();
            headers.put(Chat.CHAT_ID_HEADER, chatId);
            headers.put(Chat.USER_ID_HEADER, userId);
            requests = ChatGrpc.newStub(server.channel)
                               .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                               .connect(new StreamObserver<>() {
                                   @Override
                                   public void onNext(Message message) {
                                       texts.add(message.getText());
                                   }

                                   @Override
                                   public void onError(Throwable t) {
                                       closed.complete(Status.fromThrowable(t));
                                   }

                                   @Override
                                   public void onCompleted() {
                                       closed.complete(Status.OK);
                                   }
                               });
        }

        void send(String text) {
            requests.onNext(Message.newBuilder().setText(text).build());
        }
    }

    private static List<String> texts(ChatSockets.Client socket) {
        return socket.frames.stream()
                            .map(frame -> Json.<Message>parse(frame, Message.newBuilder()).getText())
                            .collect(Collectors.toList());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void everyParticipantReceivesEveryOtherMessageOnceInHistoryOrder() throws Exception {
        final String chatId = newChat("g1", "g2", "g3", "w1", "w2", "api");
        final List<GrpcClient> grpcClients = List.of(new GrpcClient(chatId, "g1"), new GrpcClient(chatId, "g2"),
                                                     new GrpcClient(chatId, "g3"));
        final List<ChatSockets.Client> sockets = List.of(ChatSockets.Client.open(socketUri(chatId, "w1"), true),
                                                         ChatSockets.Client.open(socketUri(chatId, "w2"), true));
        // Joining completes in the background: warm up until every connection hears the chat.
        int warmups = 0;
        while (!(grpcClients.stream().allMatch(c -> !c.texts.isEmpty()) &&
                 sockets.stream().allMatch(s -> !s.frames.isEmpty()))) {
            send(chatId, "api", "warmup-" + warmups++);
            TimeUnit.MILLISECONDS.sleep(20);
            assertTrue(warmups < 500, "the connections never joined");
        }

        final List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < grpcClients.size(); i++) {
            final GrpcClient client = grpcClients.get(i);
            final String name = "g" + (i + 1);
            senders.add(new Thread(() -> {
                for (int n = 0; n < 10; n++) {
                    client.send(name + '-' + n);
                }
            }));
        }
        for (int i = 0; i < sockets.size(); i++) {
            final ChatSockets.Client socket = sockets.get(i);
            final String name = "w" + (i + 1);
            senders.add(new Thread(() -> {
                for (int n = 0; n < 10; n++) {
                    socket.send("{\"text\":\"" + name + '-' + n + "\"}");
                }
            }));
        }
        senders.add(new Thread(() -> {
            for (int n = 0; n < 10; n++) {
                send(chatId, "api", "api-" + n);
            }
        }));
        senders.forEach(Thread::start);
        for (Thread sender : senders) {
            sender.join(30_000);
        }

        await("History to hold all 60 messages",
              () -> history(chatId).stream().filter(t -> !t.startsWith("warmup")).count() == 60);
        final List<String> order = history(chatId).stream().filter(t -> !t.startsWith("warmup"))
                                                  .collect(Collectors.toList());
        for (int i = 0; i < grpcClients.size(); i++) {
            final GrpcClient client = grpcClients.get(i);
            final String own = "g" + (i + 1) + '-';
            final List<String> expected = order.stream().filter(t -> !t.startsWith(own)).collect(Collectors.toList());
            await(own + " to receive 50", () -> received(client.texts).size() >= 50);
            assertEquals(expected, received(client.texts), own + " received another order or duplicates");
        }
        for (int i = 0; i < sockets.size(); i++) {
            final ChatSockets.Client socket = sockets.get(i);
            final String own = "w" + (i + 1) + '-';
            final List<String> expected = order.stream().filter(t -> !t.startsWith(own)).collect(Collectors.toList());
            await(own + " to receive 50", () -> received(texts(socket)).size() >= 50);
            assertEquals(expected, received(texts(socket)), own + " received another order or duplicates");
        }

        grpcClients.forEach(c -> c.requests.onCompleted());
        for (GrpcClient client : grpcClients) {
            assertEquals(Status.Code.OK, client.closed.get(10, TimeUnit.SECONDS).getCode());
        }
        for (ChatSockets.Client socket : sockets) {
            socket.socket.sendClose(1000, "bye").join();
            assertEquals(1000, socket.closeCode.get(10, TimeUnit.SECONDS));
        }
    }

    private static List<String> received(List<String> texts) {
        return texts.stream().filter(t -> !t.startsWith("warmup")).collect(Collectors.toList());
    }

    @Test
    void aSocketThatStopsReadingIsClosedWithoutDelayingTheOthers() throws Exception {
        final String chatId = newChat("slow", "fast", "api");
        final ChatSockets.Client slow = ChatSockets.Client.open(socketUri(chatId, "slow"), false);
        final GrpcClient fast = new GrpcClient(chatId, "fast");
        int warmups = 0;
        while (slow.frames.isEmpty() || fast.texts.isEmpty()) {
            send(chatId, "api", "warmup-" + warmups++);
            TimeUnit.MILLISECONDS.sleep(20);
            assertTrue(warmups < 500, "the connections never joined");
        }
        final String big = "x".repeat(32 * 1024);
        final int count = 600;
        for (int i = 0; i < count; i++) {
            send(chatId, "api", "m" + i + big);
        }
        await("the reader to receive every message",
              () -> received(fast.texts).size() == count);

        slow.readAll();
        assertEquals(1013, slow.closeCode.get(30, TimeUnit.SECONDS));
        assertEquals("chat.Connect.SlowConsumer", slow.closeReason);
        final String last = slow.frames.get(slow.frames.size() - 1);
        assertTrue(last.startsWith("{\"id\":\"chat.Connect.SlowConsumer\",\"code\":429"), last);
        assertTrue(slow.frames.size() < count, "the slow socket was never cut off");
    }

    @Test
    void connectErrorsArriveAsAFrameThenAClose() throws Exception {
        final ChatSockets.Client unknown = ChatSockets.Client.open(socketUri("no-such-chat", "u"), true);
        assertEquals(1008, unknown.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("chat.Connect.InvalidChatID", unknown.closeReason);
        assertEquals(List.of("{\"id\":\"chat.Connect.InvalidChatID\",\"code\":404,\"detail\":\"Chat not found\"," +
                             "\"status\":\"Not Found\"}"), unknown.frames);

        final ChatSockets.Client anonymous = ChatSockets.Client.open(
                URI.create("ws://127.0.0.1:" + server.gateway.port() + "/chat/Chat/Connect?chat_id=x"), true);
        assertEquals(1008, anonymous.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("chat.Connect.MissingUserID", anonymous.closeReason);

        final String chatId = newChat("a", "b");
        final ChatSockets.Client garbled = ChatSockets.Client.open(socketUri(chatId, "a"), true);
        garbled.send("{not json");
        assertEquals(1007, garbled.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("INVALID_JSON", garbled.closeReason);
    }

    @Test
    void closingConnectionsReleasesTheirSubscriptions() throws Exception {
        try (RunningGateway own = RunningGateway.start(dataDir.resolve("leak"))) {
            final String chatId = Json.<NewResponse>parse(
                    own.post("/chat/New", "{\"user_ids\":[\"a\",\"b\"]}").body(), NewResponse.newBuilder()).getChatId();
            final InProcessBus bus = (InProcessBus) own.gateway.bus();
            final URI uri = URI.create("ws://127.0.0.1:" + own.gateway.port() + "/chat/Chat/Connect?chat_id=" +
                                       chatId + "&user_id=a");
            for (int i = 0; i < 300; i++) {
                final ChatSockets.Client socket = ChatSockets.Client.open(uri, true);
                if (i % 2 == 0) {
                    socket.socket.sendClose(1000, "bye").join();
                } else {
                    socket.socket.abort();
                }
            }
            final Metadata headers = new Metadata();
            headers.put(Chat.CHAT_ID_HEADER, chatId);
            headers.put(Chat.USER_ID_HEADER, "b");
            final var stub = ChatGrpc.newStub(own.channel)
                                     .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            for (int i = 0; i < 300; i++) {
                final var requests = stub.connect(new StreamObserver<>() {
                    @Override
                    public void onNext(Message value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
                if (i % 2 == 0) {
                    requests.onCompleted();
                } else {
                    requests.onError(new IllegalStateException("client gives up"));
                }
            }
            await("every subscription to be released", () -> bus.subscriptions() == 0);
        }
    }
}
