package dev.courier.streams.server;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;

import org.h2.api.Trigger;

/**
 * Hands every row a journaled table gains, changes or loses to the transaction it happens in, so
 * that the journal can store the rows themselves: replayed, they give back exactly what was
 * committed, whatever the statement that wrote them. H2 creates one per table, through the trigger
 * {@link Journal#install} creates; public only for H2 to do so.
 *
 * <p>A row written outside the journal (by a migration, before it starts, or by its own replay) is
 * not recorded: the checkpoint that starts the journal, or ends the replay, keeps those.
 */
public final class JournalTrigger implements Trigger {

    private String table = "";
    private int[] key = new int[0];

    @Override
    public void init(Connection connection, String schema, String trigger, String table, boolean before, int type)
            throws SQLException {
        final TableShape shape = TableShape.of(connection, schema, table);
        this.table = shape.name();
        this.key = shape.keyColumns();
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        final PendingRows pending = PendingRows.CURRENT.get();
        if (pending == null) {
            return;
        }
        if (newRow == null) {
            pending.delete(table, oldRow, key);
            return;
        }
        if (oldRow != null && Arrays.deepEquals(oldRow, newRow)) {
            // An UPDATE that leaves the row as it was, to lock it, has nothing to replay.
            return;
        }
        if (oldRow != null && !sameKey(oldRow, newRow)) {
            pending.delete(table, oldRow, key);
        }
        pending.upsert(table, newRow);
    }

    private boolean sameKey(Object[] oldRow, Object[] newRow) {
        for (int column : key) {
            if (!Objects.deepEquals(oldRow[column], newRow[column])) {
                return false;
            }
        }
        return true;
    }
}
