package dev.courier.streams.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

/** The signing key on the store the suite runs on: H2, or PostgreSQL in the postgres run. */
class TokenKeysStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void theKeyIsMadeOnceAndKeptInTheStore() {
        try (HikariDataSource first = TestDatabase.open(dataDir, "keys", 2)) {
            final byte[] secret = TokenKeys.load(first);
            assertEquals(32, secret.length);
            assertArrayEquals(secret, TokenKeys.load(first));
        }
    }
}
