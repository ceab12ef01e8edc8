package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys a gateway accepts and the namespace of each. Keys are held as their SHA-256
 * digests only, so a key file may hold digests ({@code sha256:<hex>}) instead of secrets, and a
 * presented key is compared with every known digest in constant time. A key file is re-read when
 * its modification time changes (checked at most once a second); a file that no longer parses
 * leaves the previous keys in force.
 */
final class ApiKeys {

    private static final Logger logger = LoggerFactory.getLogger(ApiKeys.class);
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final List<Key> fixed;
    private final Optional<Path> file;
    private volatile List<Key> fromFile = List.of();
    private volatile FileTime fileTime;
    private volatile long checkedAt;

    private ApiKeys(List<Key> fixed, Optional<Path> file) {
        this.fixed = fixed;
        this.file = file;
    }

    /**
     * Reads the keys of {@code key=namespace} entries and of the file.
     *
     * @throws IllegalArgumentException naming the entry or line that is wrong
     */
    static ApiKeys load(List<String> entries, Optional<Path> file) {
        final List<Key> fixed = new ArrayList<>();
        for (String entry : entries) {
            final String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            final int equals = trimmed.lastIndexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("MICRO_API_KEYS: an entry is not key=namespace");
            }
            fixed.add(key(trimmed.substring(0, equals), trimmed.substring(equals + 1), "MICRO_API_KEYS"));
        }
        final ApiKeys keys = new ApiKeys(List.copyOf(fixed), requireNonNull(file, "file"));
        file.ifPresent(path -> {
            keys.fromFile = parse(path);
            keys.fileTime = modified(path);
            keys.checkedAt = System.nanoTime();
        });
        return keys;
    }

    /** The namespace of a key, if it is one of these. */
    Optional<String> namespaceOf(String presented) {
        reloadIfChanged();
        final byte[] digest = sha256(presented.getBytes(StandardCharsets.UTF_8));
        String namespace = null;
        // Every digest is compared, without stopping at a match, so timing tells nothing.
        for (Key key : fixed) {
            if (MessageDigest.isEqual(key.digest, digest)) {
                namespace = key.namespace;
            }
        }
        for (Key key : fromFile) {
            if (MessageDigest.isEqual(key.digest, digest)) {
                namespace = key.namespace;
            }
        }
        return Optional.ofNullable(namespace);
    }

    private void reloadIfChanged() {
        if (file.isEmpty() || System.nanoTime() - checkedAt < RECHECK_NANOS) {
            return;
        }
        checkedAt = System.nanoTime();
        final Path path = file.get();
        try {
            final FileTime time = modified(path);
            if (time.equals(fileTime)) {
                return;
            }
            fromFile = parse(path);
            fileTime = time;
            logger.info("Reloaded the API keys of {}", path);
        } catch (RuntimeException e) {
            logger.warn("Keeping the previous API keys: {}", e.getMessage());
        }
    }

    private static List<Key> parse(Path path) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the API keys file " + path + ": " + e.getMessage(), e);
        }
        final List<Key> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final String[] fields = line.split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException(path + " line " + (i + 1) + ": expected 'key namespace'");
            }
            keys.add(key(fields[0], fields[1], path + " line " + (i + 1)));
        }
        return List.copyOf(keys);
    }

    private static Key key(String key, String namespace, String where) {
        if (!Namespaces.isValid(namespace)) {
            throw new IllegalArgumentException(where + ": namespace '" + namespace +
                                               "' (expected: 1-64 of a-z, 0-9, '-', '_')");
        }
        if (key.startsWith("sha256:")) {
            final String hex = key.substring("sha256:".length());
            try {
                final byte[] digest = HexFormat.of().parseHex(hex);
                if (digest.length != 32) {
                    throw new IllegalArgumentException(where + ": a sha256: key has 64 hex digits");
                }
                return new Key(digest, namespace);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": a sha256: key has 64 hex digits", e);
            }
        }
        if (key.length() < 16) {
            throw new IllegalArgumentException(where + ": a key has at least 16 characters");
        }
        return new Key(sha256(key.getBytes(StandardCharsets.UTF_8)), namespace);
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the API keys file " + path + ": " + e.getMessage(), e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private record Key(byte[] digest, String namespace) {}
}
