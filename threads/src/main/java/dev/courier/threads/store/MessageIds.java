package dev.courier.threads.store;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * New message ids: UUIDs that begin with the time they were made (the layout of RFC 9562's
 * version 7), so a conversation's new messages sit side by side at the end of the primary key
 * instead of at random places in it. A write then changes a page or two of the index, not one
 * page per message, which is what the database's page writes cost most of on a busy
 * conversation. The 74 random bits keep ids made in the same millisecond apart.
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
