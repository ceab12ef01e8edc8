package dev.courier.streams.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TokenKeys: one signing secret per database, made on first use and kept. */
class TokenKeysTest {

    @TempDir
    Path dataDir;

    private DataSource database(String name) {
        final JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:file:" + dataDir.resolve(name).toAbsolutePath());
        return dataSource;
    }

    @Test
    void loadMakesA32ByteSecretOnAFreshDatabase() {
        final byte[] secret = TokenKeys.load(database("s"));

        assertEquals(32, secret.length);
        assertFalse(Arrays.equals(new byte[32], secret), "an all-zero secret");
    }

    @Test
    void loadReturnsTheSameSecretAgainAndAfterTheDatabaseIsReopened() throws SQLException {
        final DataSource database = database("s");
        final byte[] first = TokenKeys.load(database);

        assertArrayEquals(first, TokenKeys.load(database));
        try (Connection c = database.getConnection(); Statement statement = c.createStatement()) {
            statement.execute("SHUTDOWN");
        }
        assertArrayEquals(first, TokenKeys.load(database("s")));
    }

    @Test
    void loadGivesEachDatabaseASecretOfItsOwn() {
        assertFalse(Arrays.equals(TokenKeys.load(database("a")), TokenKeys.load(database("b"))));
    }

    @Test
    void loadReturnsTheSecretOfANodeThatStoredOneFirst() {
        final DataSource database = database("s");
        final byte[] theirs = new byte[32];
        Arrays.fill(theirs, (byte) 7);

        final byte[] loaded = TokenKeys.load(anotherNodeStoresFirst(database, theirs));

        assertArrayEquals(theirs, loaded);
        assertArrayEquals(theirs, TokenKeys.load(database));
    }

    /**
     * The database, where another node stores {@code secret} just before this one inserts its
     * own: the race of two nodes starting on a fresh database, made certain.
     */
    private static DataSource anotherNodeStoresFirst(DataSource database, byte[] secret) {
        final AtomicBoolean stored = new AtomicBoolean();
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] { DataSource.class },
                (dataSource, method, args) -> {
                    final Object result = invoke(database, method, args);
                    if (!"getConnection".equals(method.getName())) {
                        return result;
                    }
                    final Connection connection = (Connection) result;
                    return Proxy.newProxyInstance(
                            Connection.class.getClassLoader(), new Class<?>[] { Connection.class },
                            (proxy, connectionMethod, connectionArgs) -> {
                                if ("prepareStatement".equals(connectionMethod.getName()) &&
                                    isKeyInsert((String) connectionArgs[0]) && stored.compareAndSet(false, true)) {
                                    store(database, secret);
                                }
                                return invoke(connection, connectionMethod, connectionArgs);
                            });
                });
    }

    private static boolean isKeyInsert(String sql) {
        final String statement = sql.toLowerCase(Locale.ROOT);
        return statement.startsWith("insert") && statement.contains("streams_token_keys");
    }

    private static void store(DataSource database, byte[] secret) throws SQLException {
        try (Connection c = database.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO streams_token_keys (id, secret) VALUES ('token-signing', ?)")) {
            insert.setString(1, Base64.getEncoder().encodeToString(secret));
            insert.executeUpdate();
        }
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
