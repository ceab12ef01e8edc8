package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.chat.Chat;
import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.TokenRequest;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Two nodes on different ports sharing the machine's PostgreSQL and NATS, as a scaled-out
 * deployment runs: what is written on one is read on the other, and what is sent on one is
 * received on the other.
 */
class TwoNodesTest {

    @TempDir
    static Path dataDir;

    static External.PostgresSchema database;
    static RunningGateway nodeA;
    static RunningGateway nodeB;

    @BeforeAll
    static void start() {
        final String nats = External.natsUrl();
        database = External.postgresSchema();
        nodeA = RunningGateway.start(node("a", nats));
        nodeB = RunningGateway.start(node("b", nats));
    }

    private static GatewayConfig node(String name, String nats) {
        return GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir.resolve(name)).dbPoolSize(4)
                            .streamQueueSize(4096)
                            .databaseUrl(Optional.of(database.url())).databaseUser(Optional.of(database.user()))
                            .natsUrl(Optional.of(nats)).build();
    }

    @AfterAll
    static void stop() {
        if (nodeA != null) {
            nodeA.close();
        }
        if (nodeB != null) {
            nodeB.close();
        }
        if (database != null) {
            database.close();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void aConversationCreatedOnOneNodeIsListedOnTheOther() {
        final String group = "g-" + UUID.randomUUID();
        assertEquals(200, nodeA.post("/threads/Threads/CreateConversation",
                                     "{\"group_id\":\"" + group + "\",\"topic\":\"shared\"}").statusCode());
        final String listed = nodeB.post("/threads/Threads/ListConversations", "{\"group_id\":\"" + group + "\"}")
                                   .body();
        assertTrue(listed.contains("\"topic\":\"shared\""), listed);
    }

    @Test
    void aSubscriberOnOneNodeReceivesEveryMessagePublishedOnTheOtherInOrder() throws Exception {
        final String topic = "two-nodes-" + UUID.randomUUID();
        // Minted on A, accepted on B: the signing key lives in the shared database.
        final String token = StreamsGrpc.newBlockingStub(nodeA.channel)
                                        .token(TokenRequest.newBuilder().setTopic(topic).build()).getToken();
        final ChatSockets.Client subscriber = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + nodeB.gateway.port() + "/streams/Streams/Subscribe?topic=" + topic + "&token=" +
                URLEncoder.encode(token, StandardCharsets.UTF_8)), true);
        final var publisher = StreamsGrpc.newBlockingStub(nodeA.channel);
        for (int i = 0; subscriber.frames.isEmpty(); i++) {
            assertTrue(i < 1000, "the subscriber never joined: " + subscriber.closeReason);
            publisher.publish(Message.newBuilder().setTopic(topic).setMessage("warmup").build());
            TimeUnit.MILLISECONDS.sleep(10);
        }
        final List<String> expected = IntStream.range(0, 1000).mapToObj(i -> "m-" + i).collect(Collectors.toList());
        expected.forEach(m -> publisher.publish(Message.newBuilder().setTopic(topic).setMessage(m).build()));
        await("1000 messages on node B", () -> received(subscriber).size() >= 1000);
        assertEquals(expected, received(subscriber));
    }

    private static List<String> received(ChatSockets.Client socket) {
        return socket.frames.stream()
                            .map(frame -> Json.<Message>parse(frame, Message.newBuilder()).getMessage())
                            .filter(m -> !"warmup".equals(m))
                            .collect(Collectors.toList());
    }

    @Test
    void chatClientsOnDifferentNodesTalkToEachOther() throws Exception {
        final String ann = "ann-" + UUID.randomUUID();
        final String bob = "bob-" + UUID.randomUUID();
        final String chatId = ChatGrpc.newBlockingStub(nodeA.channel)
                                      .new_(NewRequest.newBuilder().addUserIds(ann).addUserIds(bob).build())
                                      .getChatId();
        final Metadata headers = new Metadata();
        headers.put(Chat.CHAT_ID_HEADER, chatId);
        headers.put(Chat.USER_ID_HEADER, ann);
        final List<String> annReceived = new CopyOnWriteArrayList<>();
        final StreamObserver<dev.courier.proto.chat.Message> annSends =
                ChatGrpc.newStub(nodeA.channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .connect(new StreamObserver<>() {
                            @Override
                            public void onNext(dev.courier.proto.chat.Message message) {
                                annReceived.add(message.getText());
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        final ChatSockets.Client bobOnB = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + nodeB.gateway.port() + "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=" + bob),
                true);
        // Both join in the background: bob speaks until ann hears him, ann until bob hears her.
        for (int i = 0; annReceived.isEmpty(); i++) {
            assertTrue(i < 500, "ann on node A never heard bob on node B");
            bobOnB.send("{\"text\":\"hello from B " + i + "\"}");
            TimeUnit.MILLISECONDS.sleep(20);
        }
        for (int i = 0; bobOnB.frames.isEmpty(); i++) {
            assertTrue(i < 500, "bob on node B never heard ann on node A");
            annSends.onNext(dev.courier.proto.chat.Message.newBuilder().setText("hello from A " + i).build());
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertTrue(annReceived.get(0).startsWith("hello from B"), annReceived.toString());
        assertTrue(bobOnB.frames.get(0).contains("hello from A"), bobOnB.frames.toString());
        annSends.onCompleted();
    }
}
