package dev.courier.gateway;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the peers of cross-language tests live. Such a test skips when its peer is missing, unless
 * the build says {@code -Dcourier.requireExternal=true} (as CI does): then a missing peer fails it.
 */
final class External {

    private External() {}

    /** The root of the repository. */
    static Path rootDir() {
        final String root = System.getProperty("courier.rootDir");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static Path protoRoot() {
        return rootDir().resolve("proto/src/main/proto");
    }

    /** The installed Node.js test clients ({@code npm ci --prefix gateway/src/test/node}). */
    static Path nodeClients() {
        final Path dir = rootDir().resolve("gateway/src/test/node");
        require(Files.isDirectory(dir.resolve("node_modules")),
                "Node.js clients are not installed: run npm ci --prefix gateway/src/test/node");
        return dir;
    }

    static void require(boolean present, String what) {
        if (Boolean.getBoolean("courier.requireExternal")) {
            if (!present) {
                throw new AssertionError(what);
            }
        } else {
            assumeTrue(present, what);
        }
    }
}
