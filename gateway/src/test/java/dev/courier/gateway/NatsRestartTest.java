package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine's NATS server restarted under two running nodes: while it is down, publishing
 * answers 503 at once; when it is back, the nodes reconnect by themselves and a subscriber that
 * stayed connected receives again. The test stops and starts the real nats-server, so it runs only
 * where that server is this machine's own (/usr/sbin/nats-server on 127.0.0.1:4222), and it always
 * starts it again.
 */
class NatsRestartTest {

    private static final Path NATS_SERVER = Path.of("/usr/sbin/nats-server");
    private static final String[] START = {
            "start-stop-daemon", "--start", "--oknodo", "--background", "--exec", NATS_SERVER.toString(), "--",
            "-a", "127.0.0.1", "-p", "4222", "-js", "-sd", "/var/lib/nats-server", "-l", "/var/log/nats-server.log"};
    private static final String[] STOP = {"start-stop-daemon", "--stop", "--oknodo", "--retry", "5", "--exec",
                                          NATS_SERVER.toString()};

    @TempDir
    Path dataDir;

    @Test
    void subscribersResumeAfterNatsRestarts() throws Exception {
        final String nats = External.natsUrl();
        External.require(Files.isExecutable(NATS_SERVER), "this machine's nats-server is not at " + NATS_SERVER);
        try (External.PostgresSchema database = External.postgresSchema();
             RunningGateway publisher = RunningGateway.start(node(dataDir.resolve("a"), nats, database));
             RunningGateway subscriberNode = RunningGateway.start(node(dataDir.resolve("b"), nats, database))) {
            final String topic = "restart-" + UUID.randomUUID();
            final String token = tokenOf(publisher, topic);
            final ChatSockets.Client subscriber = ChatSockets.Client.open(URI.create(
                    "ws://127.0.0.1:" + subscriberNode.gateway.port() + "/streams/Streams/Subscribe?topic=" + topic +
                    "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)), true);
            publishUntilReceived(publisher, topic, "before", subscriber);

            run(STOP);
            try {
                await("NATS to stop", () -> !reachable());
                HttpResponse<String> refused;
                do {
                    refused = publish(publisher, topic, "while down");
                } while (refused.statusCode() == 200);
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("\"id\":\"BUS_UNAVAILABLE\""), refused.body());
                // Health says so too, over HTTP and gRPC, for load balancers to act on.
                await("health to turn unhealthy", () -> health(publisher) == 503);
                assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING,
                             io.grpc.health.v1.HealthGrpc.newBlockingStub(publisher.channel)
                                                         .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance())
                                                         .getStatus());
            } finally {
                run(START);
            }
            await("NATS to start", NatsRestartTest::reachable);
            publishUntilReceived(publisher, topic, "after", subscriber);
            await("health to recover", () -> health(publisher) == 200);
            assertTrue(!subscriber.closeCode.isDone(), "the subscriber was dropped: " + subscriber.closeReason);
        }
    }

    private static GatewayConfig node(Path dataDir, String nats, External.PostgresSchema database) {
        return GatewayConfig.builder().host("127.0.0.1").port(0).dbPoolSize(2).dataDir(dataDir)
                            .databaseUrl(Optional.of(database.url())).databaseUser(Optional.of(database.user()))
                            .natsUrl(Optional.of(nats)).build();
    }

    private static String tokenOf(RunningGateway node, String topic) {
        final String body = node.post("/streams/Token", "{\"topic\":\"" + topic + "\"}").body();
        return body.replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
    }

    private static HttpResponse<String> publish(RunningGateway node, String topic, String message) {
        return node.post("/streams/Publish", "{\"topic\":\"" + topic + "\",\"message\":\"" + message + "\"}");
    }

    /** Publishes until the subscriber has the message: joining and reconnecting happen in the background. */
    private static void publishUntilReceived(RunningGateway node, String topic, String message,
                                             ChatSockets.Client subscriber) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (subscriber.frames.stream().noneMatch(f -> f.contains("\"message\":\"" + message + "\""))) {
            assertTrue(System.nanoTime() < deadline, "the subscriber never received '" + message + "'");
            publish(node, topic, message);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static int health(RunningGateway node) {
        return node.send(java.net.http.HttpRequest.newBuilder(node.uri("/health")).GET().build()).statusCode();
    }

    private static boolean reachable() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 4222), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " +
                                             new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
