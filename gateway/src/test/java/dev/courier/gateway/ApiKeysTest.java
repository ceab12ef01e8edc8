package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;

import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.SendRequest;
import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.streams.TokenRequest;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * A gateway with API keys: every call is authenticated and confined to its key's namespace, over
 * gRPC, JSON and WebSocket alike, and two tenants doing the same things see only their own.
 */
class ApiKeysTest {

    private static final String KEY_A = "key-of-tenant-a-0123456789";
    private static final String KEY_B = "key-of-tenant-b-0123456789";

    @TempDir
    static Path dataDir;

    static Path keysFile;
    static RunningGateway server;

    @BeforeAll
    static void start() throws Exception {
        keysFile = dataDir.resolve("keys.txt");
        // Tenant B's key is written as its digest: the file holds no secret.
        Files.writeString(keysFile, "# key namespace\nsha256:" +
                                    HexFormat.of().formatHex(ApiKeys.sha256(KEY_B.getBytes(StandardCharsets.UTF_8))) +
                                    " tenant-b\n");
        server = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0)
                                                   .dataDir(dataDir.resolve("data")).dbPoolSize(4)
                                                   .apiKeys(List.of(KEY_A + "=tenant-a"))
                                                   .apiKeysFile(Optional.of(keysFile)).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static <S extends AbstractStub<S>> S as(S stub, String key, String namespace) {
        final Metadata headers = new Metadata();
        if (key != null) {
            headers.put(Auth.AUTHORIZATION, "Bearer " + key);
        }
        if (namespace != null) {
            headers.put(Auth.NAMESPACE_HEADER, namespace);
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String reason(Throwable error) throws InvalidProtocolBufferException {
        final var details = StatusProto.fromThrowable(error);
        for (var detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                return detail.unpack(ErrorInfo.class).getReason();
            }
        }
        return null;
    }

    private static void assertRefused(Status.Code code, String id, Runnable call) throws Exception {
        final StatusRuntimeException error = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, error.getStatus().getCode());
        assertEquals(id, reason(error));
    }

    @Test
    void grpcCallsNeedAKeyOfTheirNamespace() throws Exception {
        final ListConversationsRequest list = ListConversationsRequest.newBuilder().setGroupId("g").build();
        final var threads = ThreadsGrpc.newBlockingStub(server.channel);
        assertRefused(Status.Code.UNAUTHENTICATED, "MISSING_API_KEY", () -> threads.listConversations(list));
        assertRefused(Status.Code.UNAUTHENTICATED, "INVALID_API_KEY",
                      () -> as(threads, "not-a-key-of-anyone-at-all", null).listConversations(list));
        assertRefused(Status.Code.PERMISSION_DENIED, "FORBIDDEN_NAMESPACE",
                      () -> as(threads, KEY_A, "tenant-b").listConversations(list));
        as(threads, KEY_A, "tenant-a").listConversations(list);
        as(threads, KEY_B, null).listConversations(list);

        // Health and reflection stay reachable without a key.
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
                     HealthGrpc.newBlockingStub(server.channel).check(HealthCheckRequest.getDefaultInstance())
                               .getStatus());
    }

    @Test
    void jsonCallsNeedAKeyOfTheirNamespace() {
        final String path = "/threads/Threads/ListConversations";
        final String body = "{\"group_id\":\"g\"}";
        assertError(server.post(path, body), 401, "MISSING_API_KEY");
        assertError(server.post(path, body, "Authorization", "Bearer wrong-key-wrong-key-wrong"), 401,
                    "INVALID_API_KEY");
        assertError(server.post(path, body, "Authorization", "Bearer " + KEY_A, "micro-namespace", "tenant-b"),
                    403, "FORBIDDEN_NAMESPACE");
        assertEquals(200, server.post(path, body, "Authorization", "Bearer " + KEY_A).statusCode());
        assertEquals(200, server.post(path, body, "authorization", "bearer " + KEY_B).statusCode());
    }

    private static void assertError(HttpResponse<String> response, int status, String id) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{\"id\":\"" + id + "\",\"code\":" + status), response.body());
    }

    @Test
    void theDocumentationNeedsAKey() {
        assertEquals(401, server.send(HttpRequest.newBuilder(server.uri("/docs/")).GET().build()).statusCode());
        assertEquals(200, server.send(HttpRequest.newBuilder(server.uri("/docs/"))
                                                 .header("Authorization", "Bearer " + KEY_A).GET().build())
                                .statusCode());
    }

    @Test
    void tenantsDoingTheSameThingsSeeOnlyTheirOwn() throws Exception {
        final var threadsA = as(ThreadsGrpc.newBlockingStub(server.channel), KEY_A, null);
        final var threadsB = as(ThreadsGrpc.newBlockingStub(server.channel), KEY_B, null);
        final String conversationOfA = threadsA.createConversation(
                CreateConversationRequest.newBuilder().setGroupId("team").setTopic("a's").build())
                                               .getConversation().getId();
        threadsB.createConversation(CreateConversationRequest.newBuilder().setGroupId("team").setTopic("b's").build());
        assertEquals(List.of("a's"), threadsA.listConversations(
                ListConversationsRequest.newBuilder().setGroupId("team").build())
                                             .getConversationsList().stream().map(c -> c.getTopic()).toList());
        assertEquals(List.of("b's"), threadsB.listConversations(
                ListConversationsRequest.newBuilder().setGroupId("team").build())
                                             .getConversationsList().stream().map(c -> c.getTopic()).toList());
        assertRefused(Status.Code.NOT_FOUND, "NOT_FOUND", () -> threadsB.readConversation(
                ReadConversationRequest.newBuilder().setId(conversationOfA).build()));

        final var chatA = as(ChatGrpc.newBlockingStub(server.channel), KEY_A, null);
        final var chatB = as(ChatGrpc.newBlockingStub(server.channel), KEY_B, null);
        final NewRequest users = NewRequest.newBuilder().addUserIds("ann").addUserIds("bob").build();
        final String chatId = chatA.new_(users).getChatId();
        assertEquals(chatId, chatB.new_(users).getChatId(), "chat ids derive from the users alone");
        chatA.send(SendRequest.newBuilder().setChatId(chatId).setUserId("ann").setText("for a").build());
        chatB.send(SendRequest.newBuilder().setChatId(chatId).setUserId("ann").setText("for b").build());
        assertEquals(List.of("for a"), chatA.history(HistoryRequest.newBuilder().setChatId(chatId).build())
                                            .getMessagesList().stream().map(m -> m.getText()).toList());
        assertEquals(List.of("for b"), chatB.history(HistoryRequest.newBuilder().setChatId(chatId).build())
                                            .getMessagesList().stream().map(m -> m.getText()).toList());

        // The same topic in two namespaces is two topics.
        final List<String> receivedByA = new CopyOnWriteArrayList<>();
        final List<String> receivedByB = new CopyOnWriteArrayList<>();
        as(StreamsGrpc.newStub(server.channel), KEY_A, null)
                .subscribe(SubscribeRequest.newBuilder().setTopic("news").build(), collect(receivedByA));
        as(StreamsGrpc.newStub(server.channel), KEY_B, null)
                .subscribe(SubscribeRequest.newBuilder().setTopic("news").build(), collect(receivedByB));
        final var streamsA = as(StreamsGrpc.newBlockingStub(server.channel), KEY_A, null);
        final var streamsB = as(StreamsGrpc.newBlockingStub(server.channel), KEY_B, null);
        for (int i = 0; receivedByA.isEmpty() || receivedByB.isEmpty(); i++) {
            assertTrue(i < 500, "the subscribers never joined");
            streamsA.publish(Message.newBuilder().setTopic("news").setMessage("a").build());
            streamsB.publish(Message.newBuilder().setTopic("news").setMessage("b").build());
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertTrue(receivedByA.stream().allMatch("a"::equals), receivedByA.toString());
        assertTrue(receivedByB.stream().allMatch("b"::equals), receivedByB.toString());

        // A token of one namespace is worthless in another.
        final String tokenOfB = streamsB.token(TokenRequest.newBuilder().setTopic("news").build()).getToken();
        final var iterator = as(StreamsGrpc.newBlockingStub(server.channel), KEY_A, null)
                .subscribe(SubscribeRequest.newBuilder().setTopic("news").setToken(tokenOfB).build());
        assertRefused(Status.Code.PERMISSION_DENIED, "INVALID_TOKEN", iterator::hasNext);
    }

    private static StreamObserver<Message> collect(List<String> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Message message) {
                into.add(message.getMessage());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }

    @Test
    void browsersUseTokensInsteadOfKeys() throws Exception {
        final var streamsA = as(StreamsGrpc.newBlockingStub(server.channel), KEY_A, null);
        final String port = String.valueOf(server.gateway.port());

        // Chat.Connect: no key, no token → refused; an unrestricted token of tenant A → joined.
        final String chatId = as(ChatGrpc.newBlockingStub(server.channel), KEY_A, null)
                .new_(NewRequest.newBuilder().addUserIds("web").build()).getChatId();
        final ChatSockets.Client anonymous = ChatSockets.Client.open(
                URI.create("ws://127.0.0.1:" + port + "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=web"), true);
        assertEquals(1008, anonymous.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("MISSING_API_KEY", anonymous.closeReason);

        final URI connect = URI.create("ws://127.0.0.1:" + port + "/chat/Chat/Connect?chat_id=" + chatId +
                                       "&user_id=web");
        final ChatSockets.Client wrongKey = ChatSockets.Client.open(
                connect, true, "Authorization", "Bearer wrong-key-wrong-key-wrong");
        assertEquals(1008, wrongKey.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("INVALID_API_KEY", wrongKey.closeReason);
        final ChatSockets.Client otherNamespace = ChatSockets.Client.open(
                URI.create(connect + "&micro_namespace=tenant-b"), true, "Authorization", "Bearer " + KEY_A);
        assertEquals(1008, otherNamespace.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("FORBIDDEN_NAMESPACE", otherNamespace.closeReason);

        final String restricted = streamsA.token(TokenRequest.newBuilder().setTopic("news").build()).getToken();
        final ChatSockets.Client scoped = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + port + "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=web&token=" +
                URLEncoder.encode(restricted, StandardCharsets.UTF_8)), true);
        assertEquals(1008, scoped.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("INVALID_TOKEN", scoped.closeReason);

        final String unrestricted = streamsA.token(TokenRequest.getDefaultInstance()).getToken();
        final ChatSockets.Client browser = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + port + "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=web&token=" +
                URLEncoder.encode(unrestricted, StandardCharsets.UTF_8)), true);
        final var chatA = as(ChatGrpc.newBlockingStub(server.channel), KEY_A, null);
        for (int i = 0; browser.frames.isEmpty(); i++) {
            assertTrue(i < 500, "the browser never joined: " + browser.closeReason);
            chatA.send(SendRequest.newBuilder().setChatId(chatId).setUserId("server").setText("hi " + i).build());
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertTrue(browser.frames.get(0).contains("\"text\":\"hi "), browser.frames.get(0));

        // Streams.Subscribe: the token alone says which namespace, and which topic.
        final ChatSockets.Client subscriber = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + port + "/streams/Streams/Subscribe?topic=news&token=" +
                URLEncoder.encode(restricted, StandardCharsets.UTF_8)), true);
        final var streamsB = as(StreamsGrpc.newBlockingStub(server.channel), KEY_B, null);
        for (int i = 0; subscriber.frames.isEmpty(); i++) {
            assertTrue(i < 500, "the subscriber never joined: " + subscriber.closeReason);
            streamsB.publish(Message.newBuilder().setTopic("news").setMessage("from b").build());
            streamsA.publish(Message.newBuilder().setTopic("news").setMessage("from a").build());
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertTrue(subscriber.frames.stream().allMatch(f -> f.contains("\"message\":\"from a\"")),
                   subscriber.frames.toString());
        final ChatSockets.Client noToken = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + port + "/streams/Streams/Subscribe?topic=news"), true);
        assertEquals(1008, noToken.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("MISSING_TOKEN", noToken.closeReason);
    }

    @Test
    void aChangedKeysFileIsReadWithoutARestart() throws Exception {
        final String newKey = "a-brand-new-key-0123456789";
        final var threads = ThreadsGrpc.newBlockingStub(server.channel);
        final ListConversationsRequest list = ListConversationsRequest.newBuilder().setGroupId("g").build();
        assertRefused(Status.Code.UNAUTHENTICATED, "INVALID_API_KEY", () -> as(threads, newKey, null).listConversations(list));
        Files.writeString(keysFile, Files.readString(keysFile) + newKey + " tenant-c\n");
        Files.setLastModifiedTime(keysFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                as(threads, newKey, "tenant-c").listConversations(list);
                break;
            } catch (StatusRuntimeException e) {
                assertTrue(System.nanoTime() < deadline, "the new key was never accepted");
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    @Test
    void withoutKeysOnlyLoopbackIsServedUnlessOpenedOnPurpose() {
        final GatewayStartException refused = assertThrows(GatewayStartException.class, () -> Gateway.start(
                GatewayConfig.builder().host("0.0.0.0").port(0).dataDir(dataDir.resolve("open")).build()));
        assertTrue(refused.getMessage().contains("--insecure-open"), refused.getMessage());
        try (Gateway open = Gateway.start(GatewayConfig.builder().host("0.0.0.0").port(0)
                                                       .dataDir(dataDir.resolve("open")).insecureOpen(true).build())) {
            assertTrue(open.port() > 0);
        }
    }

    @Test
    void withoutKeysTheNamespaceHeaderChoosesTheNamespace() {
        try (RunningGateway open = RunningGateway.start(dataDir.resolve("loopback"))) {
            assertEquals(200, open.post("/threads/Threads/CreateConversation", "{\"group_id\":\"g\",\"topic\":\"x\"}",
                                        "micro-namespace", "team-x").statusCode());
            assertTrue(open.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}",
                                 "micro-namespace", "team-x").body().contains("\"topic\":\"x\""));
            assertEquals("{\"conversations\":[]}",
                         open.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}").body());
            assertError(open.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}",
                                  "micro-namespace", "Not A Namespace"), 400, "INVALID_NAMESPACE");
        }
    }
}
