package dev.courier.chat.server;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.chat.Chat;
import dev.courier.chat.store.JdbcChatStore;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.server.ForwardedIdentity;
import dev.courier.streams.server.EmbeddedDatabase;
import dev.courier.streams.server.ProcessDefaults;
import dev.courier.streams.server.ServerOptions;
import dev.courier.streams.server.ServiceServer;

import io.grpc.Server;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs Chat alone on a gRPC port, behind a gateway started with {@code --chat-addr}:
 * {@code java -jar chat.jar --port 9092 --database-url … --nats-url …}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Runs the Chat gRPC service on its own port.")
public final class ChatServer implements Callable<Integer> {

    @Mixin
    private ServerOptions options;

    @Option(names = "--db-pool-size", defaultValue = "${env:DB_POOL_SIZE:-10}",
            description = "Database connections, and threads that use them (env DB_POOL_SIZE; " +
                          "default ${DEFAULT-VALUE}).")
    private int poolSize;

    /** Starts the server and waits until it is stopped. */
    public static void main(String[] args) {
        ProcessDefaults.apply();
        System.exit(new CommandLine(new ChatServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final HikariDataSource dataSource = options.database("chat", poolSize);
        final Bus bus = options.bus();
        final ExecutorService storeExecutor = new ThreadPoolExecutor(poolSize, poolSize, 0, TimeUnit.MILLISECONDS,
                                                                     new ArrayBlockingQueue<>(4096));
        final JdbcChatStore store = JdbcChatStore.migrate(dataSource);
        EmbeddedDatabase.startJournal(dataSource);
        final Chat chat = Chat.builder()
                              .store(store)
                              .bus(bus)
                              .executor(storeExecutor)
                              .namespace(ForwardedIdentity::namespace)
                              .connectionQueueSize(options.streamQueueSize())
                              .build();
        final Server server = ServiceServer.serve(options.port(9092), "chat.Chat", chat, () -> {
            bus.close();
            storeExecutor.shutdown();
            dataSource.close();
        });
        server.awaitTermination();
        return 0;
    }
}
