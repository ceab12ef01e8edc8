package dev.courier.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A WebSocket client, as a CLI tool or native app would open one: no Origin header. */
final class ChatSockets {

    private static final HttpClient http = HttpClient.newHttpClient();

    private ChatSockets() {}

    /** A socket that collects the text frames it receives, reading as fast as they come unless paused. */
    static final class Client implements WebSocket.Listener {

        final List<String> frames = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        volatile String closeReason;
        private final StringBuilder partial = new StringBuilder();
        private final boolean reads;
        WebSocket socket;

        private Client(boolean reads) {
            this.reads = reads;
        }

        static Client open(URI uri, boolean reads, String... headers) throws Exception {
            final Client client = new Client(reads);
            final WebSocket.Builder builder = http.newWebSocketBuilder();
            for (int i = 0; i < headers.length; i += 2) {
                builder.header(headers[i], headers[i + 1]);
            }
            client.socket = builder.buildAsync(uri, client).get(10, TimeUnit.SECONDS);
            return client;
        }

        void send(String json) {
            socket.sendText(json, true).join();
        }

        /** Starts reading everything, for a client that was not reading. */
        void readAll() {
            socket.request(Long.MAX_VALUE);
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(reads ? Long.MAX_VALUE : 1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
