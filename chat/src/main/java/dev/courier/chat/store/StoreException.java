package dev.courier.chat.store;

import java.sql.SQLException;

/**
 * A failure of the database under a {@link ChatStore}.
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
