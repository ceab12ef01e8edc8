package dev.courier.threads;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A fresh database for one test: an H2 file in the test's directory, or, when the build runs the
 * suite on PostgreSQL ({@code -Dcourier.store=postgres}), a new schema there, dropped on close.
 * Without a reachable PostgreSQL the test is skipped, unless {@code courier.requireExternal} says
 * it must run.
 */
final class TestDatabase {

    private TestDatabase() {}

    static boolean onPostgres() {
        return "postgres".equals(System.getProperty("courier.store"));
    }

    static HikariDataSource open(Path dir, String name, int poolSize) {
        final HikariConfig hikari = new HikariConfig();
        hikari.setMaximumPoolSize(poolSize);
        hikari.setPoolName(name);
        if (!onPostgres()) {
            hikari.setJdbcUrl("jdbc:h2:file:" + dir.toAbsolutePath().resolve(name) + ";LOCK_TIMEOUT=10000");
            return new HikariDataSource(hikari);
        }
        final String url = System.getProperty("courier.postgresUrl", "jdbc:postgresql://127.0.0.1:5432/test");
        final String user = System.getProperty("courier.postgresUser", "postgres");
        final String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection admin = DriverManager.getConnection(url, user, "");
             Statement create = admin.createStatement()) {
            create.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if (Boolean.getBoolean("courier.requireExternal")) {
                throw new AssertionError("PostgreSQL at " + url + " is required: " + e.getMessage(), e);
            }
            assumeTrue(false, "PostgreSQL at " + url + " is unreachable: " + e.getMessage());
        }
        hikari.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        hikari.setUsername(user);
        final AtomicBoolean dropped = new AtomicBoolean();
        return new HikariDataSource(hikari) {
            @Override
            public void close() {
                super.close();
                if (dropped.compareAndSet(false, true)) {
                    try (Connection admin = DriverManager.getConnection(url, user, "");
                         Statement drop = admin.createStatement()) {
                        drop.execute("DROP SCHEMA " + schema + " CASCADE");
                    } catch (SQLException e) {
                        throw new IllegalStateException("Cannot drop schema " + schema, e);
                    }
                }
            }
        };
    }
}
