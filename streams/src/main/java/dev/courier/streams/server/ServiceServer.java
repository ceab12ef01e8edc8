package dev.courier.streams.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;

/**
 * What the standalone Chat and Streams servers share: the database they open, and a gRPC server
 * with reflection, health and {@link ForwardedIdentity} that runs until the process stops.
 */
public final class ServiceServer {

    private static final Logger logger = LoggerFactory.getLogger(ServiceServer.class);

    private ServiceServer() {}

    /**
     * Opens the shared database at {@code url}, or an embedded one named {@code name} in
     * {@code dataDir}, whose writes are on disk before they return if {@code fsync}.
     */
    public static HikariDataSource database(String url, String user, String password, Path dataDir, String name,
                                            int poolSize, boolean fsync) throws IOException {
        final HikariConfig hikari = new HikariConfig();
        hikari.setMaximumPoolSize(poolSize);
        hikari.setPoolName(name);
        hikari.setConnectionTimeout(3000);
        if (url == null) {
            Files.createDirectories(dataDir);
            return new EmbeddedDatabase(dataDir.resolve(name), hikari, fsync);
        }
        hikari.setJdbcUrl(url);
        hikari.setUsername(user);
        hikari.setPassword(password);
        return new HikariDataSource(hikari);
    }

    /**
     * Serves the service on the port until the process stops, then runs {@code onStop}.
     *
     * @return the port, once listening
     */
    @SuppressWarnings("deprecation")
    public static Server serve(int port, String serviceName, BindableService service, Runnable onStop)
            throws IOException {
        final HealthStatusManager health = new HealthStatusManager();
        final Server server = NettyServerBuilder.forPort(port)
                                                .addService(ServerInterceptors.intercept(service,
                                                                                         new ForwardedIdentity()))
                                                .addService(health.getHealthService())
                                                .addService(ProtoReflectionServiceV1.newInstance())
                                                // Older clients (grpcurl among them) ask v1alpha.
                                                .addService(ProtoReflectionService.newInstance())
                                                .build()
                                                .start();
        health.setStatus(serviceName, ServingStatus.SERVING);
        logger.info("{} listening for gRPC on port {}", serviceName, server.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            health.enterTerminalState();
            onStop.run();
            server.shutdown();
            try {
                server.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, serviceName + "-shutdown"));
        return server;
    }
}
