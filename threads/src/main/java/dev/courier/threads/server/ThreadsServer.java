package dev.courier.threads.server;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.streams.server.DatabaseOptions;
import dev.courier.streams.server.EmbeddedDatabase;
import dev.courier.streams.server.ProcessDefaults;
import dev.courier.threads.StoreExecutor;
import dev.courier.threads.Threads;
import dev.courier.threads.store.JdbcThreadStore;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs Threads alone on a gRPC port, with reflection (v1 and v1alpha) and health:
 * {@code java -jar threads.jar --port 9091 --data-dir ./data}.
 */
@Command(name = "threads", mixinStandardHelpOptions = true, sortOptions = false,
         description = "Runs the Threads gRPC service on its own port.")
public final class ThreadsServer implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(ThreadsServer.class);

    @Option(names = "--port", defaultValue = "${env:PORT:-9091}",
            description = "gRPC port (env PORT; default ${DEFAULT-VALUE}).")
    private int port;

    @Mixin
    private DatabaseOptions database;

    @Option(names = "--db-pool-size", defaultValue = "${env:DB_POOL_SIZE:-10}",
            description = "Database connections, and threads that use them (env DB_POOL_SIZE; " +
                          "default ${DEFAULT-VALUE}).")
    private int poolSize;

    /** Starts the server and waits until it is stopped. */
    public static void main(String[] args) {
        ProcessDefaults.apply();
        System.exit(new CommandLine(new ThreadsServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                                                     "--port: " + port + " (expected: 0-65535)");
        }
        if (poolSize < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                                                     "--db-pool-size: " + poolSize + " (expected: >= 1)");
        }
        final HikariDataSource dataSource = database.open("threads", poolSize);
        final JdbcThreadStore store = JdbcThreadStore.migrate(dataSource);
        EmbeddedDatabase.startJournal(dataSource);
        final ExecutorService storeExecutor = StoreExecutor.create("threads-store", poolSize, 4096);
        final HealthStatusManager health = new HealthStatusManager();
        final Server server = NettyServerBuilder.forPort(port)
                                                .addService(ServerInterceptors.intercept(
                                                        Threads.builder()
                                                               .store(store)
                                                               .executor(storeExecutor)
                                                               .namespace(ForwardedNamespace::current)
                                                               .build(),
                                                        new ForwardedNamespace()))
                                                .addService(health.getHealthService())
                                                .addService(ProtoReflectionServiceV1.newInstance())
                                                .addService(v1alphaReflection())
                                                .build()
                                                .start();
        health.setStatus("threads.Threads", ServingStatus.SERVING);
        logger.info("Threads listening for gRPC on port {}, data in {}", server.getPort(),
                    database.dataDir().toAbsolutePath());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            health.enterTerminalState();
            server.shutdown();
            try {
                server.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            storeExecutor.shutdown();
            dataSource.close();
        }, "threads-shutdown"));
        server.awaitTermination();
        return 0;
    }

    /** Older clients (grpcurl, some IDEs) still ask v1alpha. */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService v1alphaReflection() {
        return ProtoReflectionService.newInstance();
    }
}
