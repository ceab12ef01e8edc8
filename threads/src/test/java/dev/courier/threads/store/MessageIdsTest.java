package dev.courier.threads.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void idsAreVersion7UuidsThatBeginWithTheirMillisecond() {
        final long before = System.currentTimeMillis();
        final UUID id = UUID.fromString(MessageIds.next());
        final long after = System.currentTimeMillis();

        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        final long millis = id.getMostSignificantBits() >>> 16;
        assertTrue(millis >= before && millis <= after, () -> "millis " + millis);
    }

    @Test
    void idsOfLaterMillisecondsSortAfterEarlierOnesAsText() throws InterruptedException {
        final String earlier = MessageIds.next();
        final long millisecond = System.currentTimeMillis();
        while (System.currentTimeMillis() == millisecond) {
            Thread.onSpinWait();
        }
        final String later = MessageIds.next();

        assertTrue(earlier.compareTo(later) < 0, () -> earlier + " then " + later);
    }

    @Test
    void idsMadeTogetherAreDistinct() {
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            ids.add(MessageIds.next());
        }
        assertEquals(200_000, ids.size());
    }
}
