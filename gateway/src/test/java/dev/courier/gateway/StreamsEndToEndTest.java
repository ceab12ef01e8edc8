package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.StreamsProto;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.streams.TokenRequest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;

/** Streams on the gateway's port: publishers, gRPC subscribers and WebSocket subscribers. */
class StreamsEndToEndTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir).dbPoolSize(4)
                                                    .streamQueueSize(4096).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String token(RunningGateway gateway, String topic) {
        return StreamsGrpc.newBlockingStub(gateway.channel)
                          .token(TokenRequest.newBuilder().setTopic(topic).build()).getToken();
    }

    private static void publish(RunningGateway gateway, String topic, String message) {
        StreamsGrpc.newBlockingStub(gateway.channel)
                   .publish(Message.newBuilder().setTopic(topic).setMessage(message).build());
    }

    private static URI socket(RunningGateway gateway, String topic, String token) {
        return URI.create("ws://127.0.0.1:" + gateway.gateway.port() + "/streams/Streams/Subscribe?topic=" +
                          URLEncoder.encode(topic, StandardCharsets.UTF_8) + "&token=" +
                          URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    /** A gRPC subscriber that records the messages it receives. */
    private static final class Subscriber implements StreamObserver<Message> {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        volatile Throwable error;

        static Subscriber subscribe(RunningGateway gateway, String topic, String token) {
            final Subscriber subscriber = new Subscriber();
            StreamsGrpc.newStub(gateway.channel)
                       .subscribe(SubscribeRequest.newBuilder().setTopic(topic).setToken(token).build(), subscriber);
            return subscriber;
        }

        @Override
        public void onNext(Message message) {
            assertTrue(message.getSentAt().getSeconds() > 0, "sent_at is set by the server");
            messages.add(message.getMessage());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            closed.complete(Status.OK);
        }
    }

    private static String messageOf(String frame) {
        return Json.<Message>parse(frame, Message.newBuilder()).getMessage();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    /** Publishes warm-up messages until every subscriber has heard the topic. */
    private static void warmUp(String topic, BooleanSupplier allJoined) throws InterruptedException {
        for (int i = 0; !allJoined.getAsBoolean(); i++) {
            assertTrue(i < 1000, "the subscribers never joined");
            publish(server, topic, "warmup");
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    static Stream<Arguments> publishErrors() {
        return Stream.of(
                Arguments.of("Publish", "{\"message\":\"m\"}", "MISSING_TOPIC"),
                Arguments.of("Publish", "{\"topic\":\"helloworld/1\",\"message\":\"m\"}", "INVALID_TOPIC"),
                Arguments.of("Publish", "{\"topic\":\"a..b\",\"message\":\"m\"}", "INVALID_TOPIC"),
                Arguments.of("Publish", "{\"topic\":\"*\",\"message\":\"m\"}", "INVALID_TOPIC"),
                Arguments.of("Publish", "{\"topic\":\">\",\"message\":\"m\"}", "INVALID_TOPIC"),
                Arguments.of("Publish", "{\"topic\":\"t\"}", "MISSING_MESSAGE"),
                Arguments.of("Publish", "{\"topic\":\"t\",\"message\":\"" + "m".repeat(256 * 1024 + 1) + "\"}",
                             "MESSAGE_TOO_LONG"),
                Arguments.of("Token", "{\"topic\":\"a..b\"}", "INVALID_TOPIC"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("publishErrors")
    void unaryErrorsOverJsonAndGrpc(String method, String body, String id) throws InvalidProtocolBufferException {
        ErrorRows.assertJsonError(server, "/streams/Streams/" + method, body, 400, id);
        ErrorRows.assertGrpcError(server, StreamsProto.getDescriptor().findServiceByName("Streams")
                                                      .findMethodByName(method),
                                  body, Status.Code.INVALID_ARGUMENT, id, "streams");
    }

    static Stream<Arguments> subscribeErrors() {
        final String newsToken = token(server, "news");
        return Stream.of(
                Arguments.of("", newsToken, 400, Status.Code.INVALID_ARGUMENT, "MISSING_TOPIC"),
                Arguments.of("a..b", newsToken, 400, Status.Code.INVALID_ARGUMENT, "INVALID_TOPIC"),
                Arguments.of("news", "", 400, Status.Code.INVALID_ARGUMENT, "MISSING_TOKEN"),
                Arguments.of("news", "forged.token", 403, Status.Code.PERMISSION_DENIED, "INVALID_TOKEN"),
                Arguments.of("news", newsToken.substring(0, newsToken.length() - 2) + "AA", 403,
                             Status.Code.PERMISSION_DENIED, "INVALID_TOKEN"),
                Arguments.of("sports", newsToken, 403, Status.Code.PERMISSION_DENIED, "FORBIDDEN_TOPIC"));
    }

    @ParameterizedTest(name = "{4} for topic ''{0}''")
    @MethodSource("subscribeErrors")
    void subscribeErrorsOverGrpcAndWebSocket(String topic, String token, int httpStatus, Status.Code code, String id)
            throws Exception {
        final Subscriber subscriber = Subscriber.subscribe(server, topic, token);
        final Status status = subscriber.closed.get(10, TimeUnit.SECONDS);
        assertEquals(code, status.getCode());
        assertEquals(id, reason(subscriber.error));

        final ChatSockets.Client socket = ChatSockets.Client.open(socket(server, topic, token), true);
        assertEquals(1008, socket.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals(id, socket.closeReason);
        assertEquals(1, socket.frames.size(), socket.frames.toString());
        assertTrue(socket.frames.get(0).startsWith("{\"id\":\"" + id + "\",\"code\":" + httpStatus + ','),
                   socket.frames.get(0));
    }

    private static String reason(Throwable error) throws InvalidProtocolBufferException {
        final var details = StatusProto.fromThrowable(error);
        if (details == null) {
            return null;
        }
        for (var detail : details.getDetailsList()) {
            if (detail.is(com.google.rpc.ErrorInfo.class)) {
                return detail.unpack(com.google.rpc.ErrorInfo.class).getReason();
            }
        }
        return null;
    }

    @Test
    void aSubscriptionCanTakeItsRequestFromTheFirstFrame() throws Exception {
        final String topic = "first-frame";
        final ChatSockets.Client socket = ChatSockets.Client.open(
                URI.create("ws://127.0.0.1:" + server.gateway.port() + "/streams/Subscribe"), true);
        socket.send("{\"topic\":\"" + topic + "\",\"token\":\"" + token(server, "") + "\"}");
        warmUp(topic, () -> !socket.frames.isEmpty());
        publish(server, topic, "{\"hello\":\"world\"}");
        await("the message", () -> socket.frames.stream().anyMatch(f -> messageOf(f).equals("{\"hello\":\"world\"}")));
        final String frame = socket.frames.get(socket.frames.size() - 1);
        assertTrue(frame.startsWith("{\"topic\":\"first-frame\",\"message\":\"{\\\"hello\\\":\\\"world\\\"}\"," +
                                    "\"sent_at\":\""), frame);
    }

    @Test
    void tokensExpire() throws Exception {
        try (RunningGateway shortLived = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir.resolve("ttl"))
                             .dbPoolSize(2).streamQueueSize(64).tokenTtl(Duration.ofSeconds(1)).build())) {
            final String token = token(shortLived, "news");
            final Subscriber fresh = Subscriber.subscribe(shortLived, "news", token);
            for (int i = 0; fresh.messages.isEmpty(); i++) {
                assertTrue(i < 500, "a fresh token was refused: " + fresh.closed.getNow(null));
                publish(shortLived, "news", "hello");
                TimeUnit.MILLISECONDS.sleep(10);
            }
            // The token lives one second: subscribe until it is refused as expired.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            StatusRuntimeException refused = null;
            while (refused == null) {
                assertTrue(System.nanoTime() < deadline, "the token never expired");
                try {
                    StreamsGrpc.newBlockingStub(shortLived.channel)
                               .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                               .subscribe(SubscribeRequest.newBuilder().setTopic("news").setToken(token).build())
                               .hasNext();
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                        refused = e;
                    }
                }
            }
            assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode());
            assertEquals("EXPIRED_TOKEN", reason(refused));

            final ChatSockets.Client socket = ChatSockets.Client.open(socket(shortLived, "news", token), true);
            assertEquals(1008, socket.closeCode.get(10, TimeUnit.SECONDS));
            assertEquals("EXPIRED_TOKEN", socket.closeReason);
        }
    }

    @Test
    void everySubscriberReceivesEveryMessageInOrder() throws Exception {
        final String topic = "fanout";
        final String token = token(server, topic);
        final List<ChatSockets.Client> sockets = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sockets.add(ChatSockets.Client.open(socket(server, topic, token), true));
        }
        final List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            subscribers.add(Subscriber.subscribe(server, topic, token));
        }
        warmUp(topic, () -> sockets.stream().allMatch(s -> !s.frames.isEmpty()) &&
                            subscribers.stream().allMatch(s -> !s.messages.isEmpty()));

        final List<String> expected = IntStream.range(0, 1000).mapToObj(i -> "m-" + i).collect(Collectors.toList());
        expected.forEach(message -> publish(server, topic, message));

        for (Subscriber subscriber : subscribers) {
            await("a gRPC subscriber to receive 1000", () -> withoutWarmups(subscriber.messages).size() >= 1000);
            assertEquals(expected, withoutWarmups(subscriber.messages));
        }
        for (ChatSockets.Client socket : sockets) {
            await("a WebSocket subscriber to receive 1000", () -> socket.frames.size() >= 1000);
            await("a WebSocket subscriber to receive 1000",
                  () -> withoutWarmups(socket.frames.stream().map(StreamsEndToEndTest::messageOf)
                                                   .collect(Collectors.toList())).size() >= 1000);
            assertEquals(expected, withoutWarmups(socket.frames.stream().map(StreamsEndToEndTest::messageOf)
                                                               .collect(Collectors.toList())));
        }
        sockets.forEach(s -> s.socket.abort());
    }

    @Test
    void webSocketSubscribersShareABusSubscriptionPerEventLoopAndReleaseItWhenTheyGo() throws Exception {
        try (RunningGateway fresh = RunningGateway.start(dataDir.resolve("shared"))) {
            final String topic = "shared";
            final String token = token(fresh, topic);
            final List<ChatSockets.Client> sockets = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sockets.add(ChatSockets.Client.open(socket(fresh, topic, token), true));
            }
            for (int i = 0; !sockets.stream().allMatch(s -> !s.frames.isEmpty()); i++) {
                assertTrue(i < 1000, "the subscribers never joined");
                publish(fresh, topic, "warmup");
                TimeUnit.MILLISECONDS.sleep(10);
            }
            final int shared = fresh.gateway.bus().subscriptions();
            assertTrue(shared >= 1 && shared <= 2 * Runtime.getRuntime().availableProcessors(),
                       "bus subscriptions for 40 sockets on one topic: " + shared);
            assertTrue(metrics(fresh).contains("courier_streams_websockets 40.0"), "no count of the sockets");

            // Half close as clients should, and are answered; the others just vanish.
            for (int i = 0; i < sockets.size(); i++) {
                if (i % 2 == 0) {
                    sockets.get(i).socket.sendClose(1000, "bye");
                } else {
                    sockets.get(i).socket.abort();
                }
            }
            for (int i = 0; i < sockets.size(); i += 2) {
                assertEquals(1000, sockets.get(i).closeCode.get(10, TimeUnit.SECONDS));
            }
            await("every bus subscription to be released", () -> fresh.gateway.bus().subscriptions() == 0);
            await("the sockets to be uncounted", () -> metrics(fresh).contains("courier_streams_websockets 0.0"));
        }
    }

    @Test
    void aRequestFrameWhoseLengthArrivesInTwoReadsIsRead() throws Exception {
        final String token = token(server, "split");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.gateway.port())) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            final java.io.OutputStream out = socket.getOutputStream();
            final java.io.InputStream in = socket.getInputStream();
            out.write(("GET /streams/Streams/Subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                       "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            final StringBuilder handshake = new StringBuilder();
            while (handshake.indexOf("\r\n\r\n") < 0) {
                handshake.append((char) in.read());
            }
            assertTrue(handshake.toString().startsWith("HTTP/1.1 101"), handshake.toString());

            // 200 bytes: the length's low byte, 0xC8, is one a sign-extending reader gets wrong.
            final String request = "{\"topic\":\"split\",\"token\":\"" + token + "\"}";
            final byte[] payload = (request + " ".repeat(200 - request.length())).getBytes(StandardCharsets.UTF_8);
            final byte[] mask = {7, 13, 42, 99};
            final byte[] frame = new byte[8 + payload.length];
            frame[0] = (byte) 0x81;
            frame[1] = (byte) (0x80 | 126);
            frame[2] = 0;
            frame[3] = (byte) payload.length;
            System.arraycopy(mask, 0, frame, 4, 4);
            for (int i = 0; i < payload.length; i++) {
                frame[8 + i] = (byte) (payload[i] ^ mask[i % 4]);
            }
            // The two length bytes in two TCP segments, so the server reads them apart.
            out.write(frame, 0, 3);
            out.flush();
            TimeUnit.MILLISECONDS.sleep(200);
            out.write(frame, 3, frame.length - 3);
            out.flush();

            final StringBuilder received = new StringBuilder();
            final byte[] buffer = new byte[4096];
            for (int i = 0; received.indexOf("after-split") < 0; i++) {
                assertTrue(i < 500, "no message arrived: " + received);
                publish(server, "split", "after-split");
                socket.setSoTimeout(20);
                try {
                    final int read = in.read(buffer);
                    assertTrue(read > 0, "the server closed the socket: " + received);
                    received.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                } catch (java.net.SocketTimeoutException e) {
                    // Not subscribed yet: publish again.
                }
            }
            assertFalse(received.toString().startsWith("\u0088"), "closed: " + received);
        }
    }

    @Test
    void subscribersOverHttp2WebSocketsShareOneConnection() throws Exception {
        final String topic = "h2";
        final String token = token(server, topic);
        // Armeria's client opens WebSockets over HTTP/2 (RFC 8441): every socket on one connection.
        final com.linecorp.armeria.client.websocket.WebSocketClient client =
                com.linecorp.armeria.client.websocket.WebSocketClient.of("ws://127.0.0.1:" + server.gateway.port());
        final List<List<String>> received = new ArrayList<>();
        final List<com.linecorp.armeria.common.websocket.WebSocketWriter> outbounds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final List<String> frames = new CopyOnWriteArrayList<>();
            received.add(frames);
            final var session = client.connect("/streams/Streams/Subscribe?topic=" + topic + "&token=" +
                                               URLEncoder.encode(token, StandardCharsets.UTF_8))
                                      .get(10, TimeUnit.SECONDS);
            // HTTP/2 answers an extended CONNECT with 200, where HTTP/1.1 switches protocols with 101.
            assertEquals(200, session.responseHeaders().status().code());
            outbounds.add(session.outbound());
            session.inbound().subscribe(new org.reactivestreams.Subscriber<>() {
                @Override
                public void onSubscribe(org.reactivestreams.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(com.linecorp.armeria.common.websocket.WebSocketFrame frame) {
                    try (frame) {
                        if (frame.type() == com.linecorp.armeria.common.websocket.WebSocketFrameType.TEXT) {
                            frames.add(messageOf(frame.text()));
                        }
                    }
                }

                @Override
                public void onError(Throwable cause) {}

                @Override
                public void onComplete() {}
            });
        }
        warmUp(topic, () -> received.stream().allMatch(frames -> !frames.isEmpty()));
        final List<String> expected = List.of("one", "two", "three");
        expected.forEach(message -> publish(server, topic, message));
        for (List<String> frames : received) {
            await("an HTTP/2 subscriber to receive 3", () -> withoutWarmups(frames).size() >= 3);
            assertEquals(expected, withoutWarmups(frames));
        }
        outbounds.forEach(com.linecorp.armeria.common.websocket.WebSocketWriter::close);
    }

    private static String metrics(RunningGateway gateway) {
        return gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri("/metrics")).GET().build()).body();
    }

    private static List<String> withoutWarmups(List<String> messages) {
        return messages.stream().filter(m -> !"warmup".equals(m)).collect(Collectors.toList());
    }

    @Test
    void aSubscriberThatStopsReadingIsDroppedWhileOthersReceive() throws Exception {
        try (RunningGateway small = RunningGateway.start(dataDir.resolve("slow"))) {
            final String topic = "slow";
            final String token = token(small, topic);
            final ChatSockets.Client slow = ChatSockets.Client.open(socket(small, topic, token), false);
            final Subscriber fast = Subscriber.subscribe(small, topic, token);
            for (int i = 0; slow.frames.isEmpty() || fast.messages.isEmpty(); i++) {
                assertTrue(i < 1000, "the subscribers never joined");
                publish(small, topic, "warmup");
                TimeUnit.MILLISECONDS.sleep(10);
            }
            dropsTheSlowOne(small, topic, slow, fast);
        }
    }

    private static void dropsTheSlowOne(RunningGateway gateway, String topic, ChatSockets.Client slow,
                                        Subscriber fast) throws Exception {
        final String big = "x".repeat(64 * 1024);
        final int count = 600;
        for (int i = 0; i < count; i++) {
            publish(gateway, topic, i + big);
        }
        await("the reader to receive every message", () -> withoutWarmups(fast.messages).size() == count);
        slow.readAll();
        assertEquals(1013, slow.closeCode.get(30, TimeUnit.SECONDS));
        assertEquals("SLOW_CONSUMER", slow.closeReason);
        assertTrue(slow.frames.size() < count, "the slow socket was never cut off");
    }
}
