package dev.courier.chat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.SendRequest;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** The standalone server, started as its own process the way {@code java -jar chat.jar} does. */
class ChatServerTest {

    private static final Pattern LISTENING = Pattern.compile("listening for gRPC on port (\\d+)");

    @TempDir
    Path dataDir;

    @Test
    void messagesAnsweredBeforeTheProcessIsKilledAreKept() throws Exception {
        final List<String> sent = new ArrayList<>();
        final String chat;
        final Process killed = start();
        try {
            final ManagedChannel channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", awaitPort(killed)).usePlaintext().build();
            try {
                final var chats = ChatGrpc.newBlockingStub(channel);
                chat = chats.new_(NewRequest.newBuilder().addUserIds("ann").addUserIds("bob").build()).getChatId();
                for (int i = 0; i < 50; i++) {
                    sent.add("message " + i);
                    chats.send(SendRequest.newBuilder().setChatId(chat).setUserId("ann").setText(sent.get(i)).build());
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
                assertEquals(sent, ChatGrpc.newBlockingStub(channel)
                                           .history(HistoryRequest.newBuilder().setChatId(chat).build())
                                           .getMessagesList().stream().map(Message::getText).toList());
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
                                  "-cp", System.getProperty("java.class.path"), ChatServer.class.getName(),
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
