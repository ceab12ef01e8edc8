package dev.courier.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived subscription tokens: {@code base64url(claims) "." base64url(HMAC-SHA256(claims))},
 * where the claims are the namespace, the topic (empty: any topic) and the expiry. Any node with
 * the same secret verifies them; no one without it can make one, and a token names its namespace,
 * so it is worthless in another.
 */
final class Tokens {

    private static final byte VERSION = 1;
    private static final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder decoder = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration ttl;

    Tokens(byte[] secret, Clock clock, Duration ttl) {
        key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
        this.ttl = ttl;
    }

    String mint(String namespace, String topic) {
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

    /** Returns null when the token lets this namespace subscribe to this topic, else the error. */
    StreamsError check(String token, String namespace, String topic) {
        final int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            return StreamsError.INVALID_TOKEN;
        }
        final byte[] body;
        final byte[] signature;
        try {
            body = decoder.decode(token.substring(0, dot));
            signature = decoder.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return StreamsError.INVALID_TOKEN;
        }
        if (!MessageDigest.isEqual(sign(body), signature)) {
            return StreamsError.INVALID_TOKEN;
        }
        final ByteBuffer claims = ByteBuffer.wrap(body);
        try {
            if (claims.get() != VERSION) {
                return StreamsError.INVALID_TOKEN;
            }
            final long expiresAt = claims.getLong();
            final byte[] ns = new byte[claims.getShort()];
            claims.get(ns);
            final byte[] tp = new byte[claims.getShort()];
            claims.get(tp);
            if (!namespace.equals(new String(ns, StandardCharsets.UTF_8))) {
                return StreamsError.INVALID_TOKEN;
            }
            if (clock.millis() >= expiresAt) {
                return StreamsError.EXPIRED_TOKEN;
            }
            if (tp.length > 0 && !topic.equals(new String(tp, StandardCharsets.UTF_8))) {
                return StreamsError.FORBIDDEN_TOPIC;
            }
            return null;
        } catch (RuntimeException e) {
            return StreamsError.INVALID_TOKEN;
        }
    }

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
