package dev.courier.streams.server;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A table's columns in their order and which of them make its primary key, as the journal needs them. */
record TableShape(String name, List<String> columns, int[] keyColumns) {

    /** The shape of {@code schema.table}; {@link #name} is how the journal names it. */
    static TableShape of(Connection connection, String schema, String table) throws SQLException {
        final DatabaseMetaData metaData = connection.getMetaData();
        final List<String> columns = new ArrayList<>();
        try (ResultSet rows = metaData.getColumns(null, schema, table, null)) {
            while (rows.next()) {
                if (!matches(rows, schema, table)) {
                    continue;
                }
                columns.add(rows.getString("COLUMN_NAME"));
            }
        }
        final List<String> keyNames = new ArrayList<>();
        try (ResultSet rows = metaData.getPrimaryKeys(null, schema, table)) {
            while (rows.next()) {
                if (!matches(rows, schema, table)) {
                    continue;
                }
                // getPrimaryKeys orders by column name; KEY_SEQ is the position in the key.
                final int position = rows.getInt("KEY_SEQ");
                while (keyNames.size() < position) {
                    keyNames.add(null);
                }
                keyNames.set(position - 1, rows.getString("COLUMN_NAME"));
            }
        }
        if (columns.isEmpty() || keyNames.isEmpty()) {
            throw new SQLException("the journal needs a primary key on " + schema + "." + table);
        }
        final int[] key = new int[keyNames.size()];
        for (int i = 0; i < key.length; i++) {
            key[i] = columns.indexOf(keyNames.get(i));
        }
        return new TableShape(schema + "." + table, List.copyOf(columns), key);
    }

    /** Whether a row of metadata is about the table itself: the names given are patterns, where _ matches any letter. */
    private static boolean matches(ResultSet row, String schema, String table) throws SQLException {
        return schema.equals(row.getString("TABLE_SCHEM")) && table.equals(row.getString("TABLE_NAME"));
    }

    /** {@code schema.table} quoted for SQL, from a {@link #name}. */
    static String quoted(String name) {
        final int dot = name.indexOf('.');
        return quote(name.substring(0, dot)) + "." + quote(name.substring(dot + 1));
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
