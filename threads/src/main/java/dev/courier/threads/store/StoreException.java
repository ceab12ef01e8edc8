package dev.courier.threads.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * A failure of the database under a {@link ThreadStore}.
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /** Whether the database is out of reach (no connection), rather than refusing the statement. */
    public boolean unavailable() {
        final SQLException cause = (SQLException) getCause();
        final String state = cause.getSQLState();
        return cause instanceof SQLTransientConnectionException || (state != null && state.startsWith("08"));
    }
}
