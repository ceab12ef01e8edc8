package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a gateway needs to start, built once by {@link Main}: defaults, then environment,
 * then flags.
 *
 * @param host the address to listen on; {@code localhost} listens on the IPv4 and IPv6 loopback
 *             addresses. Flag {@code --host}, env {@code HOST}, default {@code localhost}.
 * @param port the port of gRPC, JSON and the documentation page; 0 picks a free one.
 *             Flag {@code --port}, env {@code PORT}, default {@code 8080}.
 * @param dataDir where the embedded database keeps its files.
 *                Flag {@code --data-dir}, env {@code DATA_DIR}, default {@code ./data}.
 * @param maxRequestBytes the largest request body accepted, in bytes, for JSON and for one gRPC
 *                        message alike. Flag {@code --max-request-bytes}, env
 *                        {@code MAX_REQUEST_BYTES}, default 1048576 (1 MiB).
 * @param dbPoolSize database connections, and the threads that use them.
 *                   Flag {@code --db-pool-size}, env {@code DB_POOL_SIZE}, default 10.
 * @param storeQueueSize requests that may wait for a database thread before new ones are
 *                       refused with RESOURCE_EXHAUSTED (429). Flag {@code --store-queue-size},
 *                       env {@code STORE_QUEUE_SIZE}, default 4096.
 * @param streamQueueSize messages that may wait for one stream (a Chat.Connect client) that does
 *                        not read; past that the stream ends with RESOURCE_EXHAUSTED (WebSocket
 *                        close 1013). Flag {@code --stream-queue-size}, env {@code STREAM_QUEUE_SIZE},
 *                        default 1024.
 * @param allowedOrigins the browser origins ({@code https://app.example.com}) allowed to open
 *                       WebSockets; {@code *} allows any. Clients that send no Origin header (CLI
 *                       tools, native apps) are always accepted. Flag {@code --allowed-origins}
 *                       (comma-separated), env {@code ALLOWED_ORIGINS}, default {@code *}.
 * @param tokenTtl how long a Streams token is valid. Flag {@code --token-ttl} (seconds), env
 *                 {@code TOKEN_TTL}, default 60 seconds.
 * @param pingInterval how often WebSocket clients are pinged; one that has not answered the
 *                     previous ping is disconnected. Flag {@code --ping-interval} (seconds), env
 *                     {@code PING_INTERVAL}, default 30 seconds.
 */
public record GatewayConfig(String host, int port, Path dataDir, int maxRequestBytes, int dbPoolSize,
                            int storeQueueSize, int streamQueueSize, List<String> allowedOrigins,
                            Duration tokenTtl, Duration pingInterval) {

    /** The host that means the loopback addresses of both IP families. */
    public static final String LOOPBACK = "localhost";

    /** Checks every value, naming the one that is wrong and what was expected. */
    public GatewayConfig {
        requireNonNull(host, "host");
        requireNonNull(dataDir, "dataDir");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
        }
        check("port", port, 0, 65535);
        check("max-request-bytes", maxRequestBytes, 1024, 64 * 1024 * 1024);
        check("db-pool-size", dbPoolSize, 1, 1000);
        check("store-queue-size", storeQueueSize, 1, 1_000_000);
        check("stream-queue-size", streamQueueSize, 1, 1_000_000);
        allowedOrigins = List.copyOf(requireNonNull(allowedOrigins, "allowedOrigins"));
        requireNonNull(tokenTtl, "tokenTtl");
        requireNonNull(pingInterval, "pingInterval");
        if (tokenTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("token-ttl: " + tokenTtl.toSeconds() + " (expected: >= 1 second)");
        }
        if (pingInterval.toMillis() < 100) {
            throw new IllegalArgumentException("ping-interval: " + pingInterval + " (expected: >= 100 ms)");
        }
        for (String origin : allowedOrigins) {
            if (!"*".equals(origin) && !origin.matches("https?://[^/]+")) {
                throw new IllegalArgumentException(
                        "allowed-origins: '" + origin + "' (expected: * or scheme://host[:port])");
            }
        }
    }

    /** Whether any browser origin may open WebSockets. */
    public boolean anyOrigin() {
        return allowedOrigins.isEmpty() || allowedOrigins.contains("*");
    }

    /** Returns the defaults, listening on the loopback addresses at the given port. */
    public static GatewayConfig defaults(int port, Path dataDir) {
        return new GatewayConfig(LOOPBACK, port, dataDir, 1024 * 1024, 10, 4096, 1024, List.of("*"),
                                 Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: " + min + ".." + max + ')');
        }
    }
}
