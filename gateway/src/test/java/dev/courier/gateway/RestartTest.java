package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.protobuf.Int32Value;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The embedded database keeps what was accepted across restarts, and belongs to one server at a time. */
class RestartTest {

    private static final Pattern SERVING = Pattern.compile("Serving gRPC, JSON and /docs on http://[^:]+:(\\d+)");

    @TempDir
    Path dataDir;

    @Test
    void dataSurvivesARestartOnTheSameDataDirectory() {
        final Conversation conversation;
        final Message message;
        try (RunningGateway first = RunningGateway.start(dataDir)) {
            final var threads = ThreadsGrpc.newBlockingStub(first.channel);
            conversation = threads.createConversation(CreateConversationRequest.newBuilder()
                                                                               .setGroupId("g")
                                                                               .setTopic("kept")
                                                                               .build())
                                  .getConversation();
            message = threads.createMessage(CreateMessageRequest.newBuilder()
                                                                .setConversationId(conversation.getId())
                                                                .setAuthorId("ann")
                                                                .setText("still here")
                                                                .build())
                             .getMessage();
        }
        try (RunningGateway second = RunningGateway.start(dataDir)) {
            final var threads = ThreadsGrpc.newBlockingStub(second.channel);
            assertEquals(conversation, threads.readConversation(ReadConversationRequest.newBuilder()
                                                                                      .setId(conversation.getId())
                                                                                      .build())
                                              .getConversation());
            assertEquals(java.util.List.of(message),
                         threads.listMessages(ListMessagesRequest.newBuilder()
                                                                 .setConversationId(conversation.getId())
                                                                 .build())
                                .getMessagesList());
        }
    }

    /** With {@code --fsync} as without: it only adds waiting for the disk, which a kill does not test. */
    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = { false, true })
    void messagesAnsweredBeforeTheProcessIsKilledAreKept(boolean fsync) throws Exception {
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString()));
        if (fsync) {
            command.add("--fsync");
        }
        final Process server = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .start();
        final String conversation;
        final List<Message> answered = new ArrayList<>();
        try {
            final ManagedChannel channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", ServerProcesses.awaitPort(server, SERVING)).usePlaintext().build();
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
            server.destroyForcibly();
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the server outlived SIGKILL");
        }

        try (RunningGateway restarted = RunningGateway.start(dataDir)) {
            final List<Message> kept = ThreadsGrpc.newBlockingStub(restarted.channel)
                                                  .listMessages(ListMessagesRequest.newBuilder()
                                                                                   .setConversationId(conversation)
                                                                                   .setLimit(Int32Value.of(100))
                                                                                   .build())
                                                  .getMessagesList();
            Collections.reverse(answered);
            assertEquals(answered, kept);
        }
    }

    @Test
    void aSecondProcessOnTheSameDataDirectoryExitsWithAClearError() throws Exception {
        try (RunningGateway first = RunningGateway.start(dataDir)) {
            final Process second = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString())
                    .redirectErrorStream(true)
                    .start();
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second server did not give up");
            final String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, second.exitValue(), output);
            assertTrue(output.contains("is another server using it?"), output);
        }
    }
}
