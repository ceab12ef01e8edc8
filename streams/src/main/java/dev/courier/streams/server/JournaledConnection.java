package dev.courier.streams.server;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;

import org.jspecify.annotations.Nullable;

/**
 * A pooled connection of an embedded database whose writes go through the {@link Journal}: while
 * one of its statements runs, the rows it writes are collected ({@link PendingRows}); its commits,
 * and each write it runs in auto-commit mode, go through {@link Journal#commit}.
 *
 * <p>A statement that fails was undone by the database, so its rows are forgotten; a batch that
 * fails part way, or a rollback to a savepoint, leaves the rows in doubt, and the transaction is
 * then made durable by a checkpoint instead of a record. Queries are not journaled: H2 lets a
 * query write (a data change delta table), and none here does.
 */
final class JournaledConnection implements InvocationHandler {

    private final Connection connection;
    private final Journal journal;
    private @Nullable PendingRows rows;
    private @Nullable Connection proxy;

    private JournaledConnection(Connection connection, Journal journal) {
        this.connection = connection;
        this.journal = journal;
    }

    static Connection wrap(Connection connection, Journal journal) {
        final JournaledConnection handler = new JournaledConnection(connection, journal);
        final Connection proxy = (Connection) Proxy.newProxyInstance(JournaledConnection.class.getClassLoader(),
                                                                     new Class<?>[] { Connection.class }, handler);
        handler.proxy = proxy;
        return proxy;
    }

    @Override
    public @Nullable Object invoke(Object self, Method method, Object @Nullable [] args) throws Throwable {
        switch (method.getName()) {
            case "createStatement":
            case "prepareStatement":
            case "prepareCall":
                return journaled((Statement) call(connection, method, args));
            case "commit":
                commit();
                return null;
            case "rollback":
                if (rows != null) {
                    if (args == null) {
                        rows.clear();
                    } else {
                        rows.doubt();
                    }
                }
                return call(connection, method, args);
            case "setAutoCommit":
                if ((Boolean) args[0] && !connection.getAutoCommit()) {
                    // JDBC commits the transaction here.
                    commit();
                }
                return call(connection, method, args);
            case "close":
                if (rows != null) {
                    rows.clear();
                }
                return call(connection, method, args);
            case "equals":
            case "hashCode":
                return identity(self, method, args);
            default:
                return call(connection, method, args);
        }
    }

    private void commit() throws Exception {
        final PendingRows rows = this.rows;
        if (rows == null || rows.isEmpty() && !rows.doubtful()) {
            connection.commit();
            return;
        }
        try {
            journal.commit(connection, rows);
        } finally {
            rows.clear();
        }
    }

    private Statement journaled(Statement statement) {
        final Class<?> type = statement instanceof CallableStatement ? CallableStatement.class
                              : statement instanceof PreparedStatement ? PreparedStatement.class
                              : Statement.class;
        return (Statement) Proxy.newProxyInstance(JournaledConnection.class.getClassLoader(),
                                                  new Class<?>[] { type }, (self, method, args) -> {
            final String name = method.getName();
            if (name.startsWith("execute") && !"executeQuery".equals(name)) {
                return execute(statement, method, args, name.endsWith("Batch"));
            }
            switch (name) {
                case "getConnection":
                    return proxy;
                case "equals":
                case "hashCode":
                    return identity(self, method, args);
                default:
                    return call(statement, method, args);
            }
        });
    }

    private @Nullable Object execute(Statement statement, Method method, Object @Nullable [] args, boolean batch)
            throws Throwable {
        final boolean autoCommit = connection.getAutoCommit();
        if (autoCommit) {
            connection.setAutoCommit(false);
        }
        if (rows == null) {
            rows = new PendingRows();
        }
        final PendingRows rows = this.rows;
        final PendingRows outer = PendingRows.CURRENT.get();
        PendingRows.CURRENT.set(rows);
        final int mark = rows.mark();
        final Object result;
        try {
            result = call(statement, method, args);
        } catch (Throwable e) {
            if (batch) {
                // The statements before the one that failed stand.
                rows.doubt();
            } else {
                rows.truncate(mark);
            }
            if (autoCommit) {
                endAutoCommit();
            }
            throw e;
        } finally {
            PendingRows.CURRENT.set(outer);
        }
        if (autoCommit) {
            endAutoCommit();
        }
        return result;
    }

    /** Commits what a statement run in auto-commit mode left, as the database would have. */
    private void endAutoCommit() throws Exception {
        try {
            commit();
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** A proxy's {@code equals} or {@code hashCode}: its own identity, not the wrapped object's. */
    private static Object identity(Object self, Method method, Object @Nullable [] args) {
        return "equals".equals(method.getName()) ? (Object) (self == args[0]) : System.identityHashCode(self);
    }

    private static @Nullable Object call(Object target, Method method, Object @Nullable [] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
