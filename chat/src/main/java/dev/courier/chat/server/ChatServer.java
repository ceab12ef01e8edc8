package dev.courier.chat.server;

import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.chat.Chat;
import dev.courier.chat.store.JdbcChatStore;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;
import dev.courier.streams.bus.NatsBus;
import dev.courier.streams.server.ForwardedIdentity;
import dev.courier.streams.server.ServiceServer;

import io.grpc.Server;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs Chat alone on a gRPC port, behind a gateway started with {@code --chat-addr}:
 * {@code java -jar chat.jar --port 9092 --database-url … --nats-url …}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Runs the Chat gRPC service on its own port.")
public final class ChatServer implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "${env:PORT:-9092}",
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

    @Option(names = "--db-pool-size", defaultValue = "${env:DB_POOL_SIZE:-10}",
            description = "Database connections, and threads that use them (env DB_POOL_SIZE; " +
                          "default ${DEFAULT-VALUE}).")
    private int poolSize;

    @Option(names = "--stream-queue-size", defaultValue = "${env:STREAM_QUEUE_SIZE:-1024}",
            description = "Messages that may wait for a Connect stream that does not read (env " +
                          "STREAM_QUEUE_SIZE; default ${DEFAULT-VALUE}).")
    private int streamQueueSize;

    @Option(names = "--database-password", defaultValue = "${env:DATABASE_PASSWORD}", hidden = true)
    private String databasePassword;

    /** Starts the server and waits until it is stopped. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ChatServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final HikariDataSource dataSource =
                ServiceServer.database(databaseUrl, databaseUser, databasePassword, dataDir, "chat", poolSize);
        final Bus bus = natsUrl != null ? NatsBus.connect(natsUrl) : new InProcessBus();
        final ExecutorService storeExecutor = new ThreadPoolExecutor(poolSize, poolSize, 0, TimeUnit.MILLISECONDS,
                                                                     new ArrayBlockingQueue<>(4096));
        final Chat chat = Chat.builder()
                              .store(JdbcChatStore.migrate(dataSource))
                              .bus(bus)
                              .executor(storeExecutor)
                              .namespace(ForwardedIdentity::namespace)
                              .connectionQueueSize(streamQueueSize)
                              .build();
        final Server server = ServiceServer.serve(port, "chat.Chat", chat, () -> {
            bus.close();
            storeExecutor.shutdown();
            dataSource.close();
        });
        server.awaitTermination();
        return 0;
    }
}
