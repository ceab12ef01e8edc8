package dev.courier.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived tokens that let a client without an API key subscribe (Streams.Subscribe) or, when
 * unrestricted to a topic, connect (Chat.Connect): {@code base64url(claims) "." base64url(HMAC-SHA256(claims))},
 * where the claims are the namespace, the topic (empty: any topic) and the expiry. Any node with
 * the same secret verifies them; no one without it can make one, and a token names its namespace,
 * so it is worthless in another.
 */
public final class Tokens {

    private static final byte VERSION = 1;
    private static final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder decoder = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration ttl;

    /** Returns tokens signed with the secret, valid for {@code ttl} by the clock. */
    public static Tokens of(byte[] secret, Clock clock, Duration ttl) {
        return new Tokens(secret, clock, ttl);
    }

    Tokens(byte[] secret, Clock clock, Duration ttl) {
        key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Returns a token for the namespace, restricted to the topic unless it is empty. */
    public String mint(String namespace, String topic) {
        final byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        final byte[] tp = topic.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer claims = ByteBuffer.allocate(1 + 8 + 2 + ns.length + 2 + tp.length);
        claims.put(VERSION)
              .putLong(clock.millis() + ttl.toMillis())
              .putShort((short) ns.length).put(ns)
              .putShort((short) tp.length).put(tp);
        final byte[] body = claims.array();
        return encoder.encodeToString(body) + '.' + encoder.encodeToString(sign(body));
    }

    /**
     * Returns null when the token lets its holder subscribe to this topic in this namespace (or,
     * when {@code namespace} is null, in the token's own), else the error.
     */
    StreamsError check(String token, String namespace, String topic) {
        final Claims claims = claims(token);
        if (claims == null || (namespace != null && !namespace.equals(claims.namespace))) {
            return StreamsError.INVALID_TOKEN;
        }
        if (clock.millis() >= claims.expiresAt) {
            return StreamsError.EXPIRED_TOKEN;
        }
        if (!claims.topic.isEmpty() && !topic.equals(claims.topic)) {
            return StreamsError.FORBIDDEN_TOPIC;
        }
        return null;
    }

    /** The namespace of a token that is authentic, unexpired and not restricted to a topic. */
    public Optional<String> unrestrictedNamespace(String token) {
        final Claims claims = claims(token);
        if (claims == null || clock.millis() >= claims.expiresAt || !claims.topic.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(claims.namespace);
    }

    /** The namespace of an authentic token, expired or not; null for a forged one. */
    String namespaceOf(String token) {
        final Claims claims = claims(token);
        return claims == null ? null : claims.namespace;
    }

    /** The claims of an authentic token; null for anything else. */
    private Claims claims(String token) {
        final int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            return null;
        }
        final byte[] body;
        final byte[] signature;
        try {
            body = decoder.decode(token.substring(0, dot));
            signature = decoder.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!MessageDigest.isEqual(sign(body), signature)) {
            return null;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(body);
        try {
            if (buffer.get() != VERSION) {
                return null;
            }
            final long expiresAt = buffer.getLong();
            final byte[] ns = new byte[buffer.getShort()];
            buffer.get(ns);
            final byte[] tp = new byte[buffer.getShort()];
            buffer.get(tp);
            return new Claims(new String(ns, StandardCharsets.UTF_8), new String(tp, StandardCharsets.UTF_8),
                              expiresAt);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private record Claims(String namespace, String topic, long expiresAt) {}

    private byte[] sign(byte[] body) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
