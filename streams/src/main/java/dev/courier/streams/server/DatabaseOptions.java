package dev.courier.streams.server;

import java.io.IOException;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;

import picocli.CommandLine.Option;

/**
 * The database settings of a standalone service server: a shared database by URL, or an embedded
 * one in a data directory. Each flag falls back to its environment variable.
 */
public final class DatabaseOptions {

    @Option(names = "--data-dir", defaultValue = "${env:DATA_DIR:-./data}",
            description = "Directory of the embedded database, without --database-url (env DATA_DIR; " +
                          "default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--fsync", defaultValue = "${env:FSYNC:-false}",
            description = "Have each write to the embedded database on disk before its call is answered, " +
                          "so that a crash of the machine loses none (env FSYNC; default ${DEFAULT-VALUE}).")
    boolean fsync;

    @Option(names = "--database-url", defaultValue = "${env:DATABASE_URL}",
            description = "JDBC URL of the database the deployment shares (env DATABASE_URL).")
    String databaseUrl;

    @Option(names = "--database-user", defaultValue = "${env:DATABASE_USER}",
            description = "Database user (env DATABASE_USER); the password comes from DATABASE_PASSWORD.")
    String databaseUser;

    @Option(names = "--database-password", defaultValue = "${env:DATABASE_PASSWORD}", hidden = true)
    String databasePassword;

    /** Where the embedded database is, when there is no shared one. */
    public Path dataDir() {
        return dataDir;
    }

    /** Opens the shared database, or an embedded one named {@code name} in the data directory. */
    public HikariDataSource open(String name, int poolSize) throws IOException {
        return ServiceServer.database(databaseUrl, databaseUser, databasePassword, dataDir, name, poolSize, fsync);
    }
}
