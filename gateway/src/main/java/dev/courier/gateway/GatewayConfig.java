package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * @param fsync whether each write to the embedded database is on disk ({@code fsync}) before its
 *              call is answered, so that a crash of the machine, not only of the process, loses
 *              none. Flag {@code --fsync}, env {@code FSYNC}, default off.
 * @param maxRequestBytes the largest request body accepted, in bytes, for JSON and for one gRPC
 *                        message alike. Flag {@code --max-request-bytes}, env
 *                        {@code MAX_REQUEST_BYTES}, default 1048576 (1 MiB).
 * @param dbPoolSize database connections, and the threads that use them.
 *                   Flag {@code --db-pool-size}, env {@code DB_POOL_SIZE}, default 10.
 * @param storeQueueSize requests that may wait for a database thread before new ones are
 *                       refused with RESOURCE_EXHAUSTED (429), and as many CreateMessage calls
 *                       waiting to be written in a batch. Flag {@code --store-queue-size},
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
 * @param apiKeys API keys and their namespaces, as {@code key=namespace}. Env
 *                {@code MICRO_API_KEYS} (comma-separated), default none.
 * @param apiKeysFile a file of API keys, one {@code key namespace} per line, a key given as
 *                    itself or as {@code sha256:<hex>}; re-read when it changes. Flag
 *                    {@code --api-keys-file}, env {@code API_KEYS_FILE}, default none.
 * @param insecureOpen with no API keys, listen on other addresses than loopback all the same,
 *                     trusting every caller. Flag {@code --insecure-open}, default off.
 * @param databaseUrl the JDBC URL of a shared database ({@code jdbc:postgresql://host/db}) instead
 *                    of the embedded one in {@code dataDir}. Flag {@code --database-url}, env
 *                    {@code DATABASE_URL}, default none.
 * @param databaseUser the database user. Flag {@code --database-user}, env {@code DATABASE_USER}.
 * @param databasePassword the database password. Env {@code DATABASE_PASSWORD} (or flag
 *                         {@code --database-password}).
 * @param natsUrl the NATS server that carries Chat and Streams messages between nodes
 *                ({@code nats://host:4222}) instead of the in-process bus of one node. Flag
 *                {@code --nats-url}, env {@code NATS_URL}, default none.
 * @param threadsAddr where Threads runs on its own ({@code host:port}), instead of in this process.
 *                    Flag {@code --threads-addr}, env {@code THREADS_ADDR}.
 * @param chatAddr where Chat runs on its own. Flag {@code --chat-addr}, env {@code CHAT_ADDR}.
 * @param streamsAddr where Streams runs on its own. Flag {@code --streams-addr}, env
 *                    {@code STREAMS_ADDR}.
 * @param accessLog which requests get a line in the log, with their request id: {@code off},
 *                  {@code errors} or {@code all}. Flag {@code --access-log}, env
 *                  {@code ACCESS_LOG}, default {@code errors}.
 */
public record GatewayConfig(String host, int port, Path dataDir, boolean fsync, int maxRequestBytes, int dbPoolSize,
                            int storeQueueSize, int streamQueueSize, List<String> allowedOrigins,
                            Duration tokenTtl, Duration pingInterval, List<String> apiKeys,
                            Optional<Path> apiKeysFile, boolean insecureOpen, Optional<String> databaseUrl,
                            Optional<String> databaseUser, Optional<String> databasePassword,
                            Optional<String> natsUrl, Optional<String> threadsAddr, Optional<String> chatAddr,
                            Optional<String> streamsAddr, AccessLog.Mode accessLog) {

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
        apiKeys = List.copyOf(requireNonNull(apiKeys, "apiKeys"));
        requireNonNull(apiKeysFile, "apiKeysFile");
        requireNonNull(databaseUrl, "databaseUrl");
        requireNonNull(databaseUser, "databaseUser");
        requireNonNull(databasePassword, "databasePassword");
        requireNonNull(natsUrl, "natsUrl");
        requireNonNull(threadsAddr, "threadsAddr");
        requireNonNull(chatAddr, "chatAddr");
        requireNonNull(streamsAddr, "streamsAddr");
        requireNonNull(accessLog, "accessLog");
        if (databaseUrl.isPresent() && !databaseUrl.get().startsWith("jdbc:")) {
            throw new IllegalArgumentException("database-url: '" + databaseUrl.get() +
                                               "' (expected: a JDBC URL, jdbc:postgresql://host:port/database)");
        }
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

    /** Describes the settings without secrets (API keys and the database password). */
    @Override
    public String toString() {
        return "GatewayConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir + ", databaseUrl=" +
               databaseUrl.orElse("(embedded)") + ", natsUrl=" + natsUrl.orElse("(in-process)") + ", apiKeys=" + apiKeys.size() + ", apiKeysFile=" +
               apiKeysFile.map(Path::toString).orElse("(none)") + ']';
    }

    /** Whether API keys are configured: then every call needs one (or a token). */
    public boolean keyed() {
        return !apiKeys.isEmpty() || apiKeysFile.isPresent();
    }

    /** Whether the host is a loopback address, reachable from this machine only. */
    public boolean loopbackOnly() {
        return LOOPBACK.equals(host) || "127.0.0.1".equals(host) || "::1".equals(host) ||
               host.startsWith("127.");
    }

    /** Returns a builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link GatewayConfig}, starting from the defaults. */
    public static final class Builder {

        private String host = LOOPBACK;
        private int port = 8080;
        private Path dataDir = Path.of("data");
        private boolean fsync;
        private int maxRequestBytes = 1024 * 1024;
        private int dbPoolSize = 10;
        private int storeQueueSize = 4096;
        private int streamQueueSize = 1024;
        private List<String> allowedOrigins = List.of("*");
        private Duration tokenTtl = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ofSeconds(30);
        private List<String> apiKeys = List.of();
        private Optional<Path> apiKeysFile = Optional.empty();
        private boolean insecureOpen;
        private Optional<String> databaseUrl = Optional.empty();
        private Optional<String> databaseUser = Optional.empty();
        private Optional<String> databasePassword = Optional.empty();
        private Optional<String> natsUrl = Optional.empty();
        private Optional<String> threadsAddr = Optional.empty();
        private Optional<String> chatAddr = Optional.empty();
        private Optional<String> streamsAddr = Optional.empty();
        private AccessLog.Mode accessLog = AccessLog.Mode.ERRORS;

        private Builder() {}

        /** Sets {@link GatewayConfig#accessLog()}. */
        public Builder accessLog(AccessLog.Mode accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        /** Sets {@link GatewayConfig#threadsAddr()}. */
        public Builder threadsAddr(Optional<String> threadsAddr) {
            this.threadsAddr = threadsAddr;
            return this;
        }

        /** Sets {@link GatewayConfig#chatAddr()}. */
        public Builder chatAddr(Optional<String> chatAddr) {
            this.chatAddr = chatAddr;
            return this;
        }

        /** Sets {@link GatewayConfig#streamsAddr()}. */
        public Builder streamsAddr(Optional<String> streamsAddr) {
            this.streamsAddr = streamsAddr;
            return this;
        }

        /** Sets {@link GatewayConfig#natsUrl()}. */
        public Builder natsUrl(Optional<String> natsUrl) {
            this.natsUrl = natsUrl;
            return this;
        }

        /** Sets {@link GatewayConfig#databaseUrl()}. */
        public Builder databaseUrl(Optional<String> databaseUrl) {
            this.databaseUrl = databaseUrl;
            return this;
        }

        /** Sets {@link GatewayConfig#databaseUser()}. */
        public Builder databaseUser(Optional<String> databaseUser) {
            this.databaseUser = databaseUser;
            return this;
        }

        /** Sets {@link GatewayConfig#databasePassword()}. */
        public Builder databasePassword(Optional<String> databasePassword) {
            this.databasePassword = databasePassword;
            return this;
        }

        /** Sets {@link GatewayConfig#host()}. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Sets {@link GatewayConfig#port()}. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Sets {@link GatewayConfig#dataDir()}. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Sets {@link GatewayConfig#maxRequestBytes()}. */
        public Builder maxRequestBytes(int maxRequestBytes) {
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /** Sets {@link GatewayConfig#dbPoolSize()}. */
        public Builder dbPoolSize(int dbPoolSize) {
            this.dbPoolSize = dbPoolSize;
            return this;
        }

        /** Sets {@link GatewayConfig#storeQueueSize()}. */
        public Builder storeQueueSize(int storeQueueSize) {
            this.storeQueueSize = storeQueueSize;
            return this;
        }

        /** Sets {@link GatewayConfig#streamQueueSize()}. */
        public Builder streamQueueSize(int streamQueueSize) {
            this.streamQueueSize = streamQueueSize;
            return this;
        }

        /** Sets {@link GatewayConfig#allowedOrigins()}. */
        public Builder allowedOrigins(List<String> allowedOrigins) {
            this.allowedOrigins = allowedOrigins;
            return this;
        }

        /** Sets {@link GatewayConfig#tokenTtl()}. */
        public Builder tokenTtl(Duration tokenTtl) {
            this.tokenTtl = tokenTtl;
            return this;
        }

        /** Sets {@link GatewayConfig#pingInterval()}. */
        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
            return this;
        }

        /** Sets {@link GatewayConfig#apiKeys()}. */
        public Builder apiKeys(List<String> apiKeys) {
            this.apiKeys = apiKeys;
            return this;
        }

        /** Sets {@link GatewayConfig#apiKeysFile()}. */
        public Builder apiKeysFile(Optional<Path> apiKeysFile) {
            this.apiKeysFile = apiKeysFile;
            return this;
        }

        /** Sets {@link GatewayConfig#fsync()}. */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /** Sets {@link GatewayConfig#insecureOpen()}. */
        public Builder insecureOpen(boolean insecureOpen) {
            this.insecureOpen = insecureOpen;
            return this;
        }

        /** Returns the configuration, checked. */
        public GatewayConfig build() {
            return new GatewayConfig(host, port, dataDir, fsync, maxRequestBytes, dbPoolSize, storeQueueSize,
                                     streamQueueSize, allowedOrigins, tokenTtl, pingInterval, apiKeys,
                                     apiKeysFile, insecureOpen, databaseUrl, databaseUser, databasePassword,
                                     natsUrl, threadsAddr, chatAddr, streamsAddr, accessLog);
        }
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: " + min + ".." + max + ')');
        }
    }
}
