package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Each service on its own server and gRPC port, started as its own process, and a gateway with API
 * keys in front that forwards to them: every transport still works, and each call reaches its
 * service in the namespace the gateway authenticated.
 */
class SplitDeploymentTest {

    private static final String KEY = "split-deployment-key-0123";
    private static final Pattern LISTENING = Pattern.compile("listening for gRPC on port (\\d+)");

    @TempDir
    static Path dataDir;

    static External.PostgresSchema database;
    static final List<Process> servers = new ArrayList<>();
    static int threadsPort;
    static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        database = External.postgresSchema();
        threadsPort = startServer("dev.courier.threads.server.ThreadsServer");
        final int chatPort = startServer("dev.courier.chat.server.ChatServer");
        final int streamsPort = startServer("dev.courier.streams.server.StreamsServer");
        gateway = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir.resolve("gw"))
                                                    .dbPoolSize(2).apiKeys(List.of(KEY + "=tenant"))
                                                    .databaseUrl(Optional.of(database.url()))
                                                    .databaseUser(Optional.of(database.user()))
                                                    .threadsAddr(Optional.of("127.0.0.1:" + threadsPort))
                                                    .chatAddr(Optional.of("127.0.0.1:" + chatPort))
                                                    .streamsAddr(Optional.of("127.0.0.1:" + streamsPort)).build());
    }

    private static int startServer(String mainClass) throws Exception {
        final ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass, "--port", "0",
                "--database-url", database.url(), "--database-user", database.user(),
                "--data-dir", dataDir.resolve(mainClass).toString())
                .redirectErrorStream(true);
        final Process process = builder.start();
        servers.add(process);
        return ServerProcesses.awaitPort(process, LISTENING);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (gateway != null) {
            gateway.close();
        }
        for (Process server : servers) {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void threadsCallsReachTheThreadsServerInTheKeysNamespace() {
        assertEquals(401, gateway.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}").statusCode());
        assertEquals(200, gateway.post("/threads/Threads/CreateConversation", "{\"group_id\":\"g\",\"topic\":\"split\"}",
                                       "Authorization", "Bearer " + KEY).statusCode());
        assertTrue(gateway.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}",
                                "Authorization", "Bearer " + KEY).body().contains("\"topic\":\"split\""));

        // On the Threads server itself, the conversation is in the key's namespace, "tenant".
        final ManagedChannel direct = NettyChannelBuilder.forAddress("127.0.0.1", threadsPort).usePlaintext().build();
        try {
            final var threads = ThreadsGrpc.newBlockingStub(direct);
            final ListConversationsRequest list = ListConversationsRequest.newBuilder().setGroupId("g").build();
            assertEquals(0, threads.listConversations(list).getConversationsCount());
            final Metadata tenant = new Metadata();
            tenant.put(Metadata.Key.of("micro-namespace", Metadata.ASCII_STRING_MARSHALLER), "tenant");
            assertEquals(1, threads.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tenant))
                                   .listConversations(list).getConversationsCount());
        } finally {
            direct.shutdownNow();
        }
    }

    @Test
    void chatAndStreamsWorkOverWebSocketsThroughTheGateway() throws Exception {
        final String chatId = gateway.post("/chat/New", "{\"user_ids\":[\"a\",\"b\"]}", "Authorization", "Bearer " + KEY)
                                     .body().replaceAll(".*\"chat_id\":\"([^\"]+)\".*", "$1");
        final ChatSockets.Client chat = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + gateway.gateway.port() + "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=a"),
                true, "Authorization", "Bearer " + KEY);
        for (int i = 0; chat.frames.isEmpty(); i++) {
            assertTrue(i < 500, "the chat connection never received: " + chat.closeReason);
            gateway.post("/chat/Send", "{\"chat_id\":\"" + chatId + "\",\"user_id\":\"b\",\"text\":\"hi " + i + "\"}",
                         "Authorization", "Bearer " + KEY);
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertTrue(chat.frames.get(0).contains("\"text\":\"hi "), chat.frames.get(0));

        // A browser-style subscription: a token minted by the Streams server, no key.
        final String token = gateway.post("/streams/Token", "{\"topic\":\"news\"}", "Authorization", "Bearer " + KEY)
                                    .body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        final ChatSockets.Client subscriber = ChatSockets.Client.open(URI.create(
                "ws://127.0.0.1:" + gateway.gateway.port() + "/streams/Streams/Subscribe?topic=news&token=" +
                URLEncoder.encode(token, StandardCharsets.UTF_8)), true);
        for (int i = 0; subscriber.frames.isEmpty(); i++) {
            assertTrue(i < 500, "the subscriber never received: " + subscriber.closeReason);
            gateway.post("/streams/Publish", "{\"topic\":\"news\",\"message\":\"split\"}", "Authorization", "Bearer " + KEY);
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertTrue(subscriber.frames.get(0).contains("\"message\":\"split\""), subscriber.frames.get(0));
    }
}
