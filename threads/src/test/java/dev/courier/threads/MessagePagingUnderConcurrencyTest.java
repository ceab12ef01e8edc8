package dev.courier.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Timestamp;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;

/**
 * sent_at as a paging cursor while many writers share one conversation and one clock reading:
 * it must stay unique and increasing, so that paging by it returns every message exactly once.
 */
class MessagePagingUnderConcurrencyTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    private static final int PAGE_SIZE = 7;

    @TempDir
    Path dataDir;

    private RunningThreads threads;
    private Conversation conversation;

    @BeforeEach
    void start() {
        // Every writer reads the same instant: only the store can keep sent_at apart.
        threads = RunningThreads.start(dataDir, Clock.fixed(NOW, ZoneOffset.UTC));
        conversation = threads.createConversation("team-1", "Busy");
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    @Test
    void sentAtStaysUniqueAndIncreasingWhenConcurrentWritersShareOneInstant() throws Exception {
        final int writers = 8;
        final int total = 300;
        final List<Callable<List<Message>>> tasks = new ArrayList<>();
        for (int writer = 0; writer < writers; writer++) {
            final int first = writer;
            tasks.add(() -> {
                final List<Message> written = new ArrayList<>();
                for (int i = first; i < total; i += writers) {
                    written.add(threads.createMessage(conversation.getId(), "message " + i));
                }
                return written;
            });
        }

        final List<List<Message>> writtenByWriter = Concurrently.run(tasks);

        final List<Message> written = new ArrayList<>();
        for (List<Message> ofOneWriter : writtenByWriter) {
            assertStrictlyIncreasing(ofOneWriter);
            written.addAll(ofOneWriter);
        }
        assertEquals(total, written.size());
        // With the clock standing still, each message is sent one microsecond after the last.
        assertEquals(LongStream.range(0, total).map(i -> Micros.of(NOW) + i).boxed().collect(Collectors.toSet()),
                     written.stream().map(m -> Micros.of(m.getSentAt())).collect(Collectors.toSet()));

        final List<Message> paged = threads.pageThrough(conversation.getId(), PAGE_SIZE);

        written.sort(Comparator.comparing((Message m) -> Micros.of(m.getSentAt())).reversed());
        assertEquals(written, paged);
        assertEachIdOnce(paged);
        assertStrictlyDecreasing(paged);
    }

    @Test
    void pagingWhileWritersWriteNeverRepeatsOrSkipsAMessage() throws Exception {
        final int writers = 4;
        final int perWriter = 60;
        final CountDownLatch readerMidPass = new CountDownLatch(1);
        final CountDownLatch writersDone = new CountDownLatch(writers);
        final List<List<Message>> passes = new ArrayList<>();
        final List<Callable<List<Message>>> tasks = new ArrayList<>();
        for (int writer = 0; writer < writers; writer++) {
            final int writerIndex = writer;
            tasks.add(() -> {
                try {
                    final List<Message> written = new ArrayList<>();
                    for (int i = 0; i < perWriter; i++) {
                        if (i == perWriter / 6) {
                            // Write the rest only once the reader is inside a pass.
                            assertTrue(readerMidPass.await(10, TimeUnit.SECONDS), "reader never paged");
                        }
                        written.add(threads.createMessage(conversation.getId(),
                                                          "writer " + writerIndex + ", message " + i));
                    }
                    return written;
                } finally {
                    writersDone.countDown();
                }
            });
        }
        tasks.add(() -> {
            do {
                passes.add(pageThroughSignallingFirstPage(readerMidPass));
            } while (writersDone.getCount() > 0);
            return List.of();
        });

        final List<List<Message>> results = Concurrently.run(tasks);

        final Set<String> writtenIds = new HashSet<>();
        results.forEach(written -> written.forEach(message -> writtenIds.add(message.getId())));
        assertEquals(writers * perWriter, writtenIds.size());
        final List<Message> all = threads.pageThrough(conversation.getId(), PAGE_SIZE);
        assertEachIdOnce(all);
        assertStrictlyDecreasing(all);
        assertEquals(writtenIds, all.stream().map(Message::getId).collect(Collectors.toSet()));
        for (List<Message> pass : passes) {
            assertEachIdOnce(pass);
            assertStrictlyDecreasing(pass);
            // No gaps either: a pass holds everything sent up to its newest message.
            final long newestSeen = pass.isEmpty() ? Long.MIN_VALUE : Micros.of(pass.get(0).getSentAt());
            assertEquals(all.stream().filter(m -> Micros.of(m.getSentAt()) <= newestSeen).toList(), pass);
        }
    }

    /** Pages through the conversation, counting {@code firstPageSeen} down after a non-empty page. */
    private List<Message> pageThroughSignallingFirstPage(CountDownLatch firstPageSeen) {
        final List<Message> seen = new ArrayList<>();
        Timestamp sentBefore = null;
        while (true) {
            final List<Message> page = threads.listMessages(conversation.getId(), sentBefore, PAGE_SIZE);
            if (page.isEmpty()) {
                return seen;
            }
            firstPageSeen.countDown();
            seen.addAll(page);
            sentBefore = page.get(page.size() - 1).getSentAt();
        }
    }

    private static void assertEachIdOnce(List<Message> messages) {
        final Set<String> ids = new HashSet<>();
        for (Message message : messages) {
            assertTrue(ids.add(message.getId()), () -> "seen twice: " + message);
        }
    }

    private static void assertStrictlyIncreasing(List<Message> messages) {
        for (int i = 1; i < messages.size(); i++) {
            assertTrue(Micros.of(messages.get(i - 1).getSentAt()) < Micros.of(messages.get(i).getSentAt()),
                       "sent_at not increasing at " + i + ": " + messages.get(i - 1) + " then " + messages.get(i));
        }
    }

    private static void assertStrictlyDecreasing(List<Message> messages) {
        for (int i = 1; i < messages.size(); i++) {
            assertTrue(Micros.of(messages.get(i - 1).getSentAt()) > Micros.of(messages.get(i).getSentAt()),
                       "sent_at not decreasing at " + i + ": " + messages.get(i - 1) + " then " + messages.get(i));
        }
    }
}
