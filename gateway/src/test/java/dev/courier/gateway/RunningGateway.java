package dev.courier.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.linecorp.armeria.server.ServerBuilder;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * A gateway started for a test on a free loopback port and its own data directory, with an HTTP
 * client and a gRPC channel pointed at it.
 */
final class RunningGateway implements AutoCloseable {

    private static final HttpClient http = HttpClient.newBuilder()
                                                     .version(HttpClient.Version.HTTP_1_1)
                                                     .connectTimeout(Duration.ofSeconds(5))
                                                     .build();

    final Gateway gateway;
    final ManagedChannel channel;
    final Path dataDir;

    private RunningGateway(Gateway gateway, Path dataDir) {
        this.gateway = gateway;
        this.dataDir = dataDir;
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    /** Starts a gateway with the default settings on the given data directory. */
    static RunningGateway start(Path dataDir) {
        return start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir).dbPoolSize(4).storeQueueSize(1024)
                                          .streamQueueSize(64).build());
    }

    static RunningGateway start(GatewayConfig config) {
        return new RunningGateway(Gateway.start(config), config.dataDir());
    }

    /** Starts a gateway with the given settings and an embedding application's routes. */
    static RunningGateway start(GatewayConfig config, Consumer<? super ServerBuilder> routes) {
        return new RunningGateway(Gateway.start(config, routes), config.dataDir());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    /** POSTs a JSON body, with headers given as name, value, name, value… */
    HttpResponse<String> post(String path, String json, String... headers) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                                                       .header("Content-Type", "application/json")
                                                       .POST(BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateway.close();
    }
}
