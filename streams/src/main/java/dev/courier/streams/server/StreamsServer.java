package dev.courier.streams.server;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.streams.Streams;
import dev.courier.streams.Tokens;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.store.TokenKeys;

import io.grpc.Server;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs Streams alone on a gRPC port, behind a gateway started with {@code --streams-addr}:
 * {@code java -jar streams.jar --port 9093 --database-url … --nats-url …}.
 */
@Command(name = "streams", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Runs the Streams gRPC service on its own port.")
public final class StreamsServer implements Callable<Integer> {

    @Mixin
    private ServerOptions options;

    @Option(names = "--token-ttl", defaultValue = "${env:TOKEN_TTL:-60}",
            description = "Seconds a token is valid (env TOKEN_TTL; default ${DEFAULT-VALUE}).")
    private long tokenTtlSeconds;

    /** Starts the server and waits until it is stopped. */
    public static void main(String[] args) {
        ProcessDefaults.apply();
        System.exit(new CommandLine(new StreamsServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final HikariDataSource dataSource = options.database("streams", 2);
        final byte[] keys = TokenKeys.load(dataSource);
        EmbeddedDatabase.startJournal(dataSource);
        final Bus bus = options.bus();
        final Streams streams = Streams.builder()
                                       .bus(bus)
                                       .tokens(Tokens.of(keys, Clock.systemUTC(),
                                                         Duration.ofSeconds(tokenTtlSeconds)))
                                       .namespace(ForwardedIdentity::namespace)
                                       .callerHasKey(ForwardedIdentity::hasKey)
                                       .subscriberQueueSize(options.streamQueueSize())
                                       .build();
        final Server server = ServiceServer.serve(options.port(9093), "streams.Streams", streams, () -> {
            bus.close();
            dataSource.close();
        });
        server.awaitTermination();
        return 0;
    }
}
