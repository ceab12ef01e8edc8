package dev.courier.threads.store;

import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ids the server gives messages: UUIDs in the layout of RFC 9562's version 7 whose time is
 * the message's sent_at, its milliseconds in the 48-bit timestamp and the microseconds within
 * that millisecond in the 12 bits the RFC lets carry a finer clock. They sort in the order they
 * were made, and an id the server gave names its message's place in the messages' key: a retry
 * that sends one back finds the message without an index on ids. The 62 random bits keep the ids
 * of different conversations apart.
 */
final class MessageIds {

    private static final int VERSION = 7;
    /** RFC 9562's variant, the bits 10 at the top of the least significant half. */
    private static final int VARIANT = 2;
    private static final long MICROS_PER_MILLI = 1000;

    private MessageIds() {}

    /** A new id for a message sent at {@code sentAtMicros}. */
    static String of(long sentAtMicros) {
        final long mostSignificant = sentAtMicros / MICROS_PER_MILLI << 16 | VERSION << 12 |
                                     sentAtMicros % MICROS_PER_MILLI;
        final long leastSignificant = ThreadLocalRandom.current().nextLong() >>> 2 | 1L << 63;
        return new UUID(mostSignificant, leastSignificant).toString();
    }

    /** The sent_at an id made by {@link #of} carries, or empty if {@code id} cannot be one. */
    static OptionalLong sentAt(String id) {
        if (id.length() != 36) {
            return OptionalLong.empty();
        }
        final UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return OptionalLong.empty();
        }
        final long micros = uuid.getMostSignificantBits() & 0xFFF;
        if (uuid.version() != VERSION || uuid.variant() != VARIANT || micros >= MICROS_PER_MILLI) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((uuid.getMostSignificantBits() >>> 16) * MICROS_PER_MILLI + micros);
    }
}
