package dev.courier.streams.store;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * The secret that signs Streams tokens, created once and kept in the database that every node
 * shares, so that any node accepts the tokens of any other.
 */
public final class TokenKeys {

    private static final String KEY_ID = "token-signing";
    /** SQLSTATE of a unique key violation, on H2 and PostgreSQL alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    private TokenKeys() {}

    /** Brings the schema up to date and returns the signing secret, creating it on first use. */
    public static byte[] load(DataSource dataSource) {
        requireNonNull(dataSource, "dataSource");
        Flyway.configure()
              .dataSource(dataSource)
              .locations("classpath:db/streams")
              .table("flyway_streams_history")
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .load()
              .migrate();
        try (Connection c = dataSource.getConnection()) {
            final byte[] existing = read(c);
            if (existing != null) {
                return existing;
            }
            final byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO streams_token_keys (id, secret) VALUES (?, ?)")) {
                insert.setString(1, KEY_ID);
                insert.setString(2, Base64.getEncoder().encodeToString(secret));
                insert.executeUpdate();
                return secret;
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                // Another node created it first: use theirs.
                return read(c);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the token signing key: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT secret FROM streams_token_keys WHERE id = ?")) {
            select.setString(1, KEY_ID);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Base64.getDecoder().decode(rows.getString(1)) : null;
            }
        }
    }
}
