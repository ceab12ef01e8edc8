package dev.courier.threads.store;

import java.sql.SQLException;

/**
 * A failure of the database under a {@link ThreadStore}.
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
