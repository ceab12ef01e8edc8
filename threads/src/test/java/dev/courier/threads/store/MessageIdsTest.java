package dev.courier.threads.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class MessageIdsTest {

    /** 2030-01-02T03:04:05.123456Z, in microseconds since the epoch. */
    private static final long SENT_AT = 1_893_553_445_123_456L;

    @Test
    void idsAreVersion7UuidsThatCarryTheirSentAt() {
        final String id = MessageIds.of(SENT_AT);
        final UUID uuid = UUID.fromString(id);

        assertEquals(id, uuid.toString());
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant());
        assertEquals(SENT_AT / 1000, uuid.getMostSignificantBits() >>> 16);
        assertEquals(OptionalLong.of(SENT_AT), MessageIds.sentAt(id));
    }

    @Test
    void everyMicrosecondOfAMillisecondComesBack() {
        for (long micros = SENT_AT - SENT_AT % 1000; micros < SENT_AT - SENT_AT % 1000 + 1000; micros++) {
            assertEquals(OptionalLong.of(micros), MessageIds.sentAt(MessageIds.of(micros)));
        }
    }

    @Test
    void idsOfLaterMessagesSortAfterEarlierOnesAsText() {
        final String earlier = MessageIds.of(SENT_AT);
        final String later = MessageIds.of(SENT_AT + 1);

        assertTrue(earlier.compareTo(later) < 0, () -> earlier + " then " + later);
    }

    @Test
    void idsMadeTogetherAreDistinct() {
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            ids.add(MessageIds.of(SENT_AT));
        }
        assertEquals(200_000, ids.size());
    }

    @Test
    void idsTheServerCannotHaveMadeCarryNoSentAt() {
        final UUID random = UUID.randomUUID();
        // A version 7 UUID whose 12 bits after the version hold more than a millisecond's microseconds.
        final UUID finerThanMicros = new UUID(SENT_AT / 1000 << 16 | 0x7000 | 0xFFF, 1L << 63);

        for (String id : new String[] {"", "client-42", random.toString(), finerThanMicros.toString(),
                                       "x".repeat(36), "0-0-0-0-0"}) {
            assertEquals(OptionalLong.empty(), MessageIds.sentAt(id), id);
        }
    }
}
