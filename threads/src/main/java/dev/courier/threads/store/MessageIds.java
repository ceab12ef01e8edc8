package dev.courier.threads.store;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * New message ids: UUIDs that begin with the time they were made (the layout of RFC 9562's
 * version 7). No index checks them: the 74 random bits keep ids made in the same millisecond
 * apart, so they are unique by construction, and they sort in the order they were made.
 */
final class MessageIds {

    static String next() {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final long mostSignificant = System.currentTimeMillis() << 16 | 0x7000 | random.nextInt(0x1000);
        final long leastSignificant = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }

    private MessageIds() {}
}
