package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.streams.TokenRequest;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** What operators see: Prometheus metrics, and streams ended clearly when a node stops. */
class OperabilityTest {

    @TempDir
    Path dataDir;

    @Test
    void metricsCountRequestsPerMethodAndOpenStreams() throws Exception {
        try (RunningGateway server = RunningGateway.start(dataDir)) {
            server.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}");
            server.post("/threads/Threads/ListConversations", "{}");
            final String token = StreamsGrpc.newBlockingStub(server.channel)
                                            .token(TokenRequest.newBuilder().setTopic("t").build()).getToken();
            final ChatSockets.Client socket = ChatSockets.Client.open(URI.create(
                    "ws://127.0.0.1:" + server.gateway.port() + "/streams/Streams/Subscribe?topic=t&token=" +
                    URLEncoder.encode(token, StandardCharsets.UTF_8)), true);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String metrics;
            do {
                assertTrue(System.nanoTime() < deadline, "the subscription never showed");
                TimeUnit.MILLISECONDS.sleep(20);
                metrics = server.send(HttpRequest.newBuilder(server.uri("/metrics")).GET().build()).body();
            } while (!metrics.contains("courier_bus_subscriptions 1.0"));
            assertTrue(metrics.contains("method=\"ListConversations\""), "no per-method request metrics");
            assertTrue(metrics.contains("http_status=\"400\""), "no error metrics");
            // Latency as histogram buckets, which add up across nodes; no percentiles per process.
            assertTrue(metrics.lines().anyMatch(
                               line -> line.startsWith("courier_requests_total_duration_seconds_bucket{") &&
                                       line.contains("method=\"ListConversations\"") && line.contains("le=\"0.001\"")),
                       "no request latency histogram");
            assertTrue(metrics.lines().noneMatch(line -> line.startsWith("courier_requests_") &&
                                                         line.contains("quantile=")),
                       "request percentiles computed per process");
            assertTrue(metrics.contains("courier_store_up 1.0"), "no store health");
            assertTrue(metrics.contains("courier_bus_up 1.0"), "no bus health");
            assertTrue(metrics.contains("courier_streams_dropped_total 0.0") ||
                       metrics.contains("courier_streams_dropped_total"), "no slow-consumer count");
            assertTrue(metrics.contains("hikaricp_connections"), "no connection pool metrics");
            socket.socket.abort();
        }
    }

    @Test
    void stoppingANodeEndsItsStreamsWithUnavailable() throws Exception {
        final RunningGateway server = RunningGateway.start(dataDir);
        final String token = StreamsGrpc.newBlockingStub(server.channel)
                                        .token(TokenRequest.newBuilder().setTopic("t").build()).getToken();
        final CompletableFuture<Status> grpcEnd = new CompletableFuture<>();
        final CompletableFuture<Void> grpcJoined = new CompletableFuture<>();
        StreamsGrpc.newStub(server.channel).subscribe(
                SubscribeRequest.newBuilder().setTopic("t").setToken(token).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(Message value) {
                        grpcJoined.complete(null);
                    }

                    @Override
                    public void onError(Throwable t) {
                        grpcEnd.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        grpcEnd.complete(Status.OK);
                    }
                });
        final ChatSockets.Client socket = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + server.gateway.port() + "/streams/Streams/Subscribe?topic=t&token=" +
                URLEncoder.encode(token, StandardCharsets.UTF_8)), true);
        final var publisher = StreamsGrpc.newBlockingStub(server.channel);
        for (int i = 0; !grpcJoined.isDone() || socket.frames.isEmpty(); i++) {
            assertTrue(i < 500, "the subscribers never joined");
            publisher.publish(Message.newBuilder().setTopic("t").setMessage("m").build());
            TimeUnit.MILLISECONDS.sleep(10);
        }

        final CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::close);
        assertEquals(Status.Code.UNAVAILABLE, grpcEnd.get(20, TimeUnit.SECONDS).getCode());
        assertEquals(1013, socket.closeCode.get(20, TimeUnit.SECONDS));
        assertEquals("SHUTTING_DOWN", socket.closeReason);
        stopped.get(30, TimeUnit.SECONDS);
    }

    @Test
    void anUnreachableDatabaseOrNatsStopsTheStartWithAClearError() {
        final GatewayStartException noDatabase = org.junit.jupiter.api.Assertions.assertThrows(
                GatewayStartException.class, () -> Gateway.start(
                        GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                                     .databaseUrl(java.util.Optional.of(
                                             "jdbc:postgresql://127.0.0.1:1/nowhere?password=hunter2"))
                                     .build()));
        assertTrue(noDatabase.getMessage().startsWith("cannot connect to the database jdbc:postgresql://127.0.0.1:1/"),
                   noDatabase.getMessage());
        assertTrue(!noDatabase.getMessage().contains("hunter2"), "the password reached the message");

        final GatewayStartException noNats = org.junit.jupiter.api.Assertions.assertThrows(
                GatewayStartException.class, () -> Gateway.start(
                        GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                                     .natsUrl(java.util.Optional.of("nats://127.0.0.1:1")).build()));
        assertTrue(noNats.getMessage().startsWith("cannot connect to NATS at nats://127.0.0.1:1"), noNats.getMessage());
    }

    @Test
    void healthAnswersOverHttpAndGrpc() {
        try (RunningGateway server = RunningGateway.start(dataDir)) {
            final HttpResponse<String> health = server.send(HttpRequest.newBuilder(server.uri("/health")).GET().build());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"healthy\":true"), health.body());
        }
    }
}
