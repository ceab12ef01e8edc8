package dev.courier.gateway;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the peers of cross-language tests live. Such a test skips when its peer is missing, unless
 * the build says {@code -Dcourier.requireExternal=true} (as CI does): then a missing peer fails it.
 */
final class External {

    private External() {}

    /** The root of the repository. */
    static Path rootDir() {
        final String root = System.getProperty("courier.rootDir");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static Path protoRoot() {
        return rootDir().resolve("proto/src/main/proto");
    }

    /** The installed Node.js test clients ({@code npm ci --prefix gateway/src/test/node}). */
    static Path nodeClients() {
        final Path dir = rootDir().resolve("gateway/src/test/node");
        require(Files.isDirectory(dir.resolve("node_modules")),
                "Node.js clients are not installed: run npm ci --prefix gateway/src/test/node");
        return dir;
    }

    /** The NATS server of the machine (127.0.0.1:4222 unless courier.natsUrl says otherwise). */
    static String natsUrl() {
        final String url = System.getProperty("courier.natsUrl", "nats://127.0.0.1:4222");
        final java.net.URI uri = java.net.URI.create(url);
        boolean reachable;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
            reachable = true;
        } catch (java.io.IOException e) {
            reachable = false;
        }
        require(reachable, "NATS at " + url + " is unreachable");
        return url;
    }

    /**
     * A fresh schema on the machine's PostgreSQL, for servers that share it; closing drops it.
     */
    static PostgresSchema postgresSchema() {
        final String url = System.getProperty("courier.postgresUrl", "jdbc:postgresql://127.0.0.1:5432/test");
        final String user = System.getProperty("courier.postgresUser", "postgres");
        final String schema = "t_" + java.util.UUID.randomUUID().toString().replace("-", "");
        try (java.sql.Connection admin = java.sql.DriverManager.getConnection(url, user, "");
             java.sql.Statement create = admin.createStatement()) {
            create.execute("CREATE SCHEMA " + schema);
        } catch (java.sql.SQLException e) {
            require(false, "PostgreSQL at " + url + " is unreachable: " + e.getMessage());
        }
        return new PostgresSchema(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema, user, () -> {
            try (java.sql.Connection admin = java.sql.DriverManager.getConnection(url, user, "");
                 java.sql.Statement drop = admin.createStatement()) {
                drop.execute("DROP SCHEMA " + schema + " CASCADE");
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A schema of PostgreSQL: its JDBC URL and user; closing drops it. */
    record PostgresSchema(String url, String user, Runnable drop) implements AutoCloseable {
        @Override
        public void close() {
            drop.run();
        }
    }

    static void require(boolean present, String what) {
        if (Boolean.getBoolean("courier.requireExternal")) {
            if (!present) {
                throw new AssertionError(what);
            }
        } else {
            assumeTrue(present, what);
        }
    }
}
