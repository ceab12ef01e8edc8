package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which WebSocket clients are let in, and how dead ones are found. */
class WebSocketPolicyTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                                                   .dbPoolSize(2)
                                                   .allowedOrigins(List.of("https://app.example.com"))
                                                   .pingInterval(Duration.ofMillis(200)).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static URI subscribe() {
        return URI.create("ws://127.0.0.1:" + server.gateway.port() + "/streams/Streams/Subscribe?topic=t");
    }

    @Test
    void browsersFromOtherOriginsAreRefused() throws Exception {
        final ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class,
                () -> ChatSockets.Client.open(subscribe(), true, "Origin", "https://evil.example.com"));
        assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
        assertEquals(403, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
    }

    @Test
    void allowedOriginsAndClientsWithoutOriginAreLetIn() throws Exception {
        // Both get as far as the service, which asks for a token.
        for (ChatSockets.Client client : List.of(
                ChatSockets.Client.open(subscribe(), true, "Origin", "https://app.example.com"),
                ChatSockets.Client.open(subscribe(), true))) {
            assertEquals(1008, client.closeCode.get(10, TimeUnit.SECONDS));
            assertEquals("MISSING_TOKEN", client.closeReason);
        }
    }

    @Test
    void aClientThatAnswersPingsStaysAndOneThatDoesNotIsDropped() throws Exception {
        final String chatId = Json.<dev.courier.proto.chat.NewResponse>parse(
                server.post("/chat/New", "{\"user_ids\":[\"a\"]}").body(),
                dev.courier.proto.chat.NewResponse.newBuilder()).getChatId();
        final String path = "/chat/Chat/Connect?chat_id=" + chatId + "&user_id=a";
        // The JDK's client answers pings: ten ping intervals later it is still connected.
        final ChatSockets.Client alive = ChatSockets.Client.open(
                URI.create("ws://127.0.0.1:" + server.gateway.port() + path), true);
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < until) {
            assertTrue(!alive.closeCode.isDone(), "a live client was dropped: " + alive.closeReason);
            TimeUnit.MILLISECONDS.sleep(50);
        }

        // A client that completes the handshake and then never answers is closed by the server.
        try (Socket socket = new Socket("127.0.0.1", server.gateway.port())) {
            socket.setSoTimeout(10_000);
            final OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final String received = readUntilClosed(in);
            assertTrue(received.startsWith("HTTP/1.1 101"), received);
            // The server's last frame is a close (opcode 8) with the reason PING_TIMEOUT.
            assertTrue(received.contains("PING_TIMEOUT"), received);
        }
    }

    private static String readUntilClosed(InputStream in) throws java.io.IOException {
        final StringBuilder seen = new StringBuilder();
        final byte[] buffer = new byte[4096];
        int read;
        while ((read = in.read(buffer)) > 0) {
            seen.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
            if (seen.indexOf("PING_TIMEOUT") >= 0) {
                break;
            }
        }
        return seen.toString();
    }
}
