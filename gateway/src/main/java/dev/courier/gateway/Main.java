package dev.courier.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.courier.streams.server.ProcessDefaults;

/**
 * Runs the gateway with every service in-process: {@code java -jar gateway.jar [--port 8080]
 * [--data-dir ./data]}. Each option falls back to its environment variable, then to its default.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Serves Threads, Chat and Streams over gRPC, JSON and WebSockets on one port.",
         subcommands = ChatCommand.class)
public final class Main implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(Main.class);

    @Option(names = "--host", defaultValue = "${env:HOST:-localhost}",
            description = "Address to listen on; 'localhost' means the IPv4 and IPv6 loopback " +
                          "addresses (env HOST; default ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "${env:PORT:-8080}",
            description = "Port of gRPC, JSON and /docs (env PORT; default ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--data-dir", defaultValue = "${env:DATA_DIR:-./data}",
            description = "Directory of the embedded database (env DATA_DIR; default ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--fsync", defaultValue = "${env:FSYNC:-false}",
            description = "Have each write to the embedded database on disk before its call is answered, " +
                          "so that a crash of the machine loses none (env FSYNC; default ${DEFAULT-VALUE}).")
    private boolean fsync;

    @Option(names = "--max-request-bytes", defaultValue = "${env:MAX_REQUEST_BYTES:-1048576}",
            description = "Largest request body or gRPC message, in bytes (env MAX_REQUEST_BYTES; " +
                          "default ${DEFAULT-VALUE}).")
    private int maxRequestBytes;

    @Option(names = "--db-pool-size", defaultValue = "${env:DB_POOL_SIZE:-10}",
            description = "Database connections, and threads that use them (env DB_POOL_SIZE; " +
                          "default ${DEFAULT-VALUE}).")
    private int dbPoolSize;

    @Option(names = "--store-queue-size", defaultValue = "${env:STORE_QUEUE_SIZE:-4096}",
            description = "Requests that may wait for a database thread before more are refused " +
                          "with 429, and as many CreateMessage calls waiting to be written " +
                          "(env STORE_QUEUE_SIZE; default ${DEFAULT-VALUE}).")
    private int storeQueueSize;

    @Option(names = "--stream-queue-size", defaultValue = "${env:STREAM_QUEUE_SIZE:-1024}",
            description = "Messages that may wait for a stream whose client does not read before it " +
                          "is ended (env STREAM_QUEUE_SIZE; default ${DEFAULT-VALUE}).")
    private int streamQueueSize;

    @Option(names = "--allowed-origins", split = ",", defaultValue = "${env:ALLOWED_ORIGINS:-*}",
            description = "Browser origins allowed to open WebSockets, comma-separated; * for any. " +
                          "Clients without an Origin header are always accepted (env ALLOWED_ORIGINS; " +
                          "default ${DEFAULT-VALUE}).")
    private List<String> allowedOrigins;

    @Option(names = "--token-ttl", defaultValue = "${env:TOKEN_TTL:-60}",
            description = "Seconds a Streams token is valid (env TOKEN_TTL; default ${DEFAULT-VALUE}).")
    private long tokenTtlSeconds;

    @Option(names = "--ping-interval", defaultValue = "${env:PING_INTERVAL:-30}",
            description = "Seconds between pings of WebSocket clients; one that misses a ping is " +
                          "disconnected (env PING_INTERVAL; default ${DEFAULT-VALUE}).")
    private long pingIntervalSeconds;

    @Option(names = "--api-keys-file", defaultValue = "${env:API_KEYS_FILE}",
            description = "File of API keys, one 'key namespace' per line; a key may be written as " +
                          "sha256:<hex>. Re-read when it changes (env API_KEYS_FILE). Keys may also " +
                          "come from env MICRO_API_KEYS=key1=ns1,key2=ns2.")
    private Path apiKeysFile;

    @Option(names = "--insecure-open",
            description = "Without API keys, listen on addresses other than loopback anyway, " +
                          "trusting every caller.")
    private boolean insecureOpen;

    @Option(names = "--database-url", defaultValue = "${env:DATABASE_URL}",
            description = "JDBC URL of a shared database, e.g. jdbc:postgresql://127.0.0.1:5432/courier, " +
                          "instead of the embedded one (env DATABASE_URL).")
    private String databaseUrl;

    @Option(names = "--database-user", defaultValue = "${env:DATABASE_USER}",
            description = "Database user (env DATABASE_USER).")
    private String databaseUser;

    @Option(names = "--database-password", defaultValue = "${env:DATABASE_PASSWORD}", hidden = true,
            description = "Database password; prefer env DATABASE_PASSWORD, which ps does not show.")
    private String databasePassword;

    @Option(names = "--nats-url", defaultValue = "${env:NATS_URL}",
            description = "NATS server carrying messages between nodes, e.g. nats://127.0.0.1:4222, " +
                          "instead of the in-process bus (env NATS_URL).")
    private String natsUrl;

    @Option(names = "--threads-addr", defaultValue = "${env:THREADS_ADDR}",
            description = "host:port of a standalone Threads server to forward to (env THREADS_ADDR).")
    private String threadsAddr;

    @Option(names = "--chat-addr", defaultValue = "${env:CHAT_ADDR}",
            description = "host:port of a standalone Chat server to forward to (env CHAT_ADDR).")
    private String chatAddr;

    @Option(names = "--streams-addr", defaultValue = "${env:STREAMS_ADDR}",
            description = "host:port of a standalone Streams server to forward to (env STREAMS_ADDR).")
    private String streamsAddr;

    @Option(names = "--access-log", defaultValue = "${env:ACCESS_LOG:-errors}",
            description = "Requests logged, each with its id: off, errors or all (env ACCESS_LOG; " +
                          "default ${DEFAULT-VALUE}).")
    private String accessLog;

    @Option(names = "--log-format", defaultValue = "${env:LOG_FORMAT:-text}",
            description = "Log lines as text or json, one object per line (env LOG_FORMAT; " +
                          "default ${DEFAULT-VALUE}).")
    private String logFormat;

    @Option(names = "--micro-api-keys", hidden = true, split = ",", defaultValue = "${env:MICRO_API_KEYS}")
    private List<String> apiKeys;

    /** Starts the gateway and waits until the process is stopped. */
    public static void main(String[] args) {
        ProcessDefaults.apply();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    private static AccessLog.Mode accessLogMode(String value) {
        switch (value) {
            case "off":
                return AccessLog.Mode.OFF;
            case "errors":
                return AccessLog.Mode.ERRORS;
            case "all":
                return AccessLog.Mode.ALL;
            default:
                throw new IllegalArgumentException("access-log: '" + value + "' (expected: off, errors or all)");
        }
    }

    @Override
    public Integer call() throws Exception {
        final GatewayConfig config;
        try {
            switch (logFormat) {
                case "text":
                    break;
                case "json":
                    Logging.useJson();
                    break;
                default:
                    throw new IllegalArgumentException("log-format: '" + logFormat + "' (expected: text or json)");
            }
            config = GatewayConfig.builder()
                                  .host(host)
                                  .port(port)
                                  .dataDir(dataDir)
                                  .fsync(fsync)
                                  .maxRequestBytes(maxRequestBytes)
                                  .dbPoolSize(dbPoolSize)
                                  .storeQueueSize(storeQueueSize)
                                  .streamQueueSize(streamQueueSize)
                                  .allowedOrigins(allowedOrigins)
                                  .tokenTtl(Duration.ofSeconds(tokenTtlSeconds))
                                  .pingInterval(Duration.ofSeconds(pingIntervalSeconds))
                                  .apiKeys(apiKeys == null ? List.of() : apiKeys)
                                  .apiKeysFile(Optional.ofNullable(apiKeysFile))
                                  .insecureOpen(insecureOpen)
                                  .databaseUrl(Optional.ofNullable(databaseUrl))
                                  .databaseUser(Optional.ofNullable(databaseUser))
                                  .databasePassword(Optional.ofNullable(databasePassword))
                                  .natsUrl(Optional.ofNullable(natsUrl))
                                  .threadsAddr(Optional.ofNullable(threadsAddr))
                                  .chatAddr(Optional.ofNullable(chatAddr))
                                  .streamsAddr(Optional.ofNullable(streamsAddr))
                                  .accessLog(accessLogMode(accessLog))
                                  .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
        }
        final Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (GatewayStartException e) {
            logger.error("Could not start: {}", e.getMessage());
            return 1;
        }
        logger.info("Serving gRPC, JSON and /docs on http://{}:{} with data in {}",
                    config.host(), gateway.port(), config.dataDir().toAbsolutePath());
        gateway.awaitShutdown();
        return 0;
    }
}
