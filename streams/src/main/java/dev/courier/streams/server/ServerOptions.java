package dev.courier.streams.server;

import java.io.IOException;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;
import dev.courier.streams.bus.NatsBus;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The settings every standalone service server takes: its port, its database and its bus. Each
 * flag falls back to its environment variable.
 */
public final class ServerOptions {

    @Option(names = "--port", defaultValue = "${env:PORT}",
            description = "gRPC port (env PORT; default 9092 for Chat, 9093 for Streams).")
    Integer port;

    @Mixin
    DatabaseOptions database;

    @Option(names = "--nats-url", defaultValue = "${env:NATS_URL}",
            description = "NATS server shared with the other nodes (env NATS_URL); in-process without.")
    String natsUrl;

    @Option(names = "--stream-queue-size", defaultValue = "${env:STREAM_QUEUE_SIZE:-1024}",
            description = "Messages that may wait for a stream whose client does not read (env " +
                          "STREAM_QUEUE_SIZE; default ${DEFAULT-VALUE}).")
    int streamQueueSize;

    /** The port, or {@code defaultPort} when none is set. */
    public int port(int defaultPort) {
        return port != null ? port : defaultPort;
    }

    /** Messages that may wait for a stream whose client does not read. */
    public int streamQueueSize() {
        return streamQueueSize;
    }

    /** Opens the shared database, or an embedded one named {@code name} in the data directory. */
    public HikariDataSource database(String name, int poolSize) throws IOException {
        return database.open(name, poolSize);
    }

    /** Connects to NATS, or returns an in-process bus without a NATS URL. */
    public Bus bus() throws IOException, InterruptedException {
        return natsUrl != null ? NatsBus.connect(natsUrl) : new InProcessBus();
    }
}
