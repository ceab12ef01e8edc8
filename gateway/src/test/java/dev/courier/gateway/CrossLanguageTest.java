package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that know only the .proto files: a Node.js gRPC client loading proto/ directly, and
 * {@code buf} linting the contracts and listing the live services as its {@code curl} does by
 * default (Connect) and over gRPC with the older v1alpha reflection.
 */
class CrossLanguageTest {

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

    @Test
    void nodeClientBuiltFromTheProtoFilesCallsThreads() throws Exception {
        final Path clients = External.nodeClients();
        final String output = run(clients, "node", clients.resolve("threads-client.js").toString(),
                                  External.protoRoot().toString(), "127.0.0.1:" + server.gateway.port());
        assertTrue(output.contains("\"group_id\":\"node\""), output);
        assertTrue(output.contains("\"text\":\"hello from node\""), output);
        assertTrue(output.contains("\"author_id\":\"node\""), output);
        // INVALID_ARGUMENT is code 3 in every language.
        assertTrue(output.contains("\"missing\":{\"code\":3,\"details\":\"Missing GroupID\"}"), output);
    }

    @Test
    void bufLintsTheContracts() throws Exception {
        final Path clients = External.nodeClients();
        run(External.rootDir().resolve("proto"), clients.resolve("node_modules/.bin/buf").toString(), "lint");
    }

    @Test
    void bufCurlListsEveryServiceOverConnectAndOverGrpcV1alpha() throws Exception {
        final Path buf = External.nodeClients().resolve("node_modules/.bin/buf");
        final String url = "http://127.0.0.1:" + server.gateway.port();
        final String connect = run(dataDir, buf.toString(), "curl", "--http2-prior-knowledge", "--list-methods", url);
        final String v1alpha = run(dataDir, buf.toString(), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                                   "--reflect-protocol", "grpc-v1alpha", "--list-services", url);
        for (String expected : List.of("threads.Threads/ListMessages", "chat.Chat/Connect", "streams.Streams/Subscribe")) {
            assertTrue(connect.contains(expected), connect);
        }
        for (String expected : List.of("threads.Threads", "chat.Chat", "streams.Streams")) {
            assertTrue(v1alpha.contains(expected), v1alpha);
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            process.destroyForcibly();
        }
        assertTrue(finished, "timed out: " + String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }
}
