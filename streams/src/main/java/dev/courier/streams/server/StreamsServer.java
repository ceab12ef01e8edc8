package dev.courier.streams.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.streams.Streams;
import dev.courier.streams.Tokens;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;
import dev.courier.streams.bus.NatsBus;
import dev.courier.streams.store.TokenKeys;

import io.grpc.Server;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs Streams alone on a gRPC port, behind a gateway started with {@code --streams-addr}:
 * {@code java -jar streams.jar --port 9093 --database-url … --nats-url …}.
 */
@Command(name = "streams", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Runs the Streams gRPC service on its own port.")
public final class StreamsServer implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "${env:PORT:-9093}",
            description = "gRPC port (env PORT; default ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--data-dir", defaultValue = "${env:DATA_DIR:-./data}",
            description = "Directory of the embedded database, without --database-url (env DATA_DIR; " +
                          "default ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--database-url", defaultValue = "${env:DATABASE_URL}",
            description = "JDBC URL of the database the deployment shares (env DATABASE_URL).")
    private String databaseUrl;

    @Option(names = "--database-user", defaultValue = "${env:DATABASE_USER}",
            description = "Database user (env DATABASE_USER); the password comes from DATABASE_PASSWORD.")
    private String databaseUser;

    @Option(names = "--nats-url", defaultValue = "${env:NATS_URL}",
            description = "NATS server shared with the other nodes (env NATS_URL); in-process without.")
    private String natsUrl;

    @Option(names = "--token-ttl", defaultValue = "${env:TOKEN_TTL:-60}",
            description = "Seconds a token is valid (env TOKEN_TTL; default ${DEFAULT-VALUE}).")
    private long tokenTtlSeconds;

    @Option(names = "--stream-queue-size", defaultValue = "${env:STREAM_QUEUE_SIZE:-1024}",
            description = "Messages that may wait for a subscriber that does not read (env " +
                          "STREAM_QUEUE_SIZE; default ${DEFAULT-VALUE}).")
    private int streamQueueSize;

    @Option(names = "--database-password", defaultValue = "${env:DATABASE_PASSWORD}", hidden = true)
    private String databasePassword;

    /** Starts the server and waits until it is stopped. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StreamsServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final HikariDataSource dataSource =
                ServiceServer.database(databaseUrl, databaseUser, databasePassword, dataDir, "streams", 2);
        final Bus bus = natsUrl != null ? NatsBus.connect(natsUrl) : new InProcessBus();
        final Streams streams = Streams.builder()
                                       .bus(bus)
                                       .tokens(Tokens.of(TokenKeys.load(dataSource), Clock.systemUTC(),
                                                         Duration.ofSeconds(tokenTtlSeconds)))
                                       .namespace(ForwardedIdentity::namespace)
                                       .callerHasKey(ForwardedIdentity::hasKey)
                                       .subscriberQueueSize(streamQueueSize)
                                       .build();
        final Server server = ServiceServer.serve(port, "streams.Streams", streams, () -> {
            bus.close();
            dataSource.close();
        });
        server.awaitTermination();
        return 0;
    }
}
