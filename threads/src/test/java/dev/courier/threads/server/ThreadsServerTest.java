package dev.courier.threads.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Int32Value;

import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The standalone server, started as its own process the way {@code java -jar threads.jar} does. */
class ThreadsServerTest {

    private static final Pattern LISTENING = Pattern.compile("listening for gRPC on port (\\d+)");

    @TempDir
    Path dataDir;

    @Test
    void standaloneServerServesThreadsWithHealth() throws Exception {
        final Process process = start();
        ManagedChannel channel = null;
        try {
            final int port = awaitPort(process);
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            final var threads = ThreadsGrpc.newBlockingStub(channel);
            threads.createConversation(CreateConversationRequest.newBuilder()
                                                                .setGroupId("alone")
                                                                .setTopic("standalone")
                                                                .build());
            assertEquals("standalone", threads.listConversations(ListConversationsRequest.newBuilder()
                                                                                          .setGroupId("alone")
                                                                                          .build())
                                              .getConversations(0).getTopic());
            assertEquals(ServingStatus.SERVING,
                         HealthGrpc.newBlockingStub(channel)
                                   .check(HealthCheckRequest.newBuilder().setService("threads.Threads").build())
                                   .getStatus());
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        }
    }

    @Test
    void messagesAnsweredBeforeTheProcessIsKilledAreKept() throws Exception {
        final List<Message> answered = new ArrayList<>();
        final String conversation;
        final Process killed = start();
        try {
            final ManagedChannel channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", awaitPort(killed)).usePlaintext().build();
            try {
                final var threads = ThreadsGrpc.newBlockingStub(channel);
                conversation = threads.createConversation(CreateConversationRequest.newBuilder()
                                                                                   .setGroupId("g")
                                                                                   .setTopic("killed")
                                                                                   .build())
                                      .getConversation().getId();
                for (int i = 0; i < 50; i++) {
                    answered.add(threads.createMessage(CreateMessageRequest.newBuilder()
                                                                           .setConversationId(conversation)
                                                                           .setAuthorId("ann")
                                                                           .setText("message " + i)
                                                                           .build())
                                        .getMessage());
                }
            } finally {
                channel.shutdownNow();
            }
        } finally {
            // SIGKILL, at once: no shutdown hook runs, and the database is not closed.
            killed.destroyForcibly();
            assertTrue(killed.waitFor(20, TimeUnit.SECONDS), "the server outlived SIGKILL");
        }

        final Process restarted = start();
        try {
            final ManagedChannel channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", awaitPort(restarted)).usePlaintext().build();
            try {
                Collections.reverse(answered);
                assertEquals(answered, ThreadsGrpc.newBlockingStub(channel)
                                                  .listMessages(ListMessagesRequest.newBuilder()
                                                                                   .setConversationId(conversation)
                                                                                   .setLimit(Int32Value.of(100))
                                                                                   .build())
                                                  .getMessagesList());
            } finally {
                channel.shutdownNow();
            }
        } finally {
            restarted.destroy();
            assertTrue(restarted.waitFor(30, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        }
    }

    private Process start() throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                  "-cp", System.getProperty("java.class.path"), ThreadsServer.class.getName(),
                                  "--port", "0", "--data-dir", dataDir.toString())
                .redirectErrorStream(true)
                .start();
    }

    private static int awaitPort(Process process) throws Exception {
        final BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final StringBuilder seen = new StringBuilder();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = output.readLine()) != null) {
            seen.append(line).append('\n');
            final Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) {
                // Keep draining so the server never blocks on a full pipe.
                final Thread drain = new Thread(() -> output.lines().forEach(ignored -> {}));
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new AssertionError("the server did not start:\n" + seen);
    }
}
