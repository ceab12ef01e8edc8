package dev.courier.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;

/**
 * CreateMessage under many concurrent callers, most of them in one conversation: the calls share
 * transactions, yet each is answered with its own message, exactly as stored, and sent_at stays a
 * unique, increasing cursor in every conversation.
 */
class CreateMessageUnderConcurrencyTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    private static final int WRITERS = 64;
    private static final int PER_WRITER = 50;

    @TempDir
    Path dataDir;

    private RunningThreads threads;
    private Conversation busy;
    private List<Conversation> quiet;

    @BeforeEach
    void start() {
        // Every call reads the same instant: only the store can keep sent_at apart.
        threads = RunningThreads.start(dataDir, Clock.fixed(NOW, ZoneOffset.UTC));
        busy = threads.createConversation("team-1", "Busy");
        quiet = List.of(threads.createConversation("team-1", "Quiet 1"),
                        threads.createConversation("team-1", "Quiet 2"),
                        threads.createConversation("team-2", "Quiet 3"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    @Test
    void concurrentCallsAreEachStoredOnceAsAnswered() throws Exception {
        final List<Callable<List<Message>>> tasks = new ArrayList<>();
        for (int writer = 0; writer < WRITERS; writer++) {
            final int writerIndex = writer;
            tasks.add(() -> {
                final List<Message> answered = new ArrayList<>();
                for (int i = 0; i < PER_WRITER; i++) {
                    // One message in five goes to a quiet conversation, so batches mix conversations.
                    final Conversation conversation = i % 5 == 4 ? quiet.get((writerIndex + i) % quiet.size()) : busy;
                    answered.add(threads.createMessage(conversation.getId(),
                                                       "writer " + writerIndex + ", message " + i));
                }
                return answered;
            });
        }

        final List<List<Message>> answeredByWriter = Concurrently.run(tasks);

        final List<Message> answered = answeredByWriter.stream().flatMap(List::stream).toList();
        assertEquals(WRITERS * PER_WRITER, answered.size());
        final List<Conversation> conversations = new ArrayList<>(quiet);
        conversations.add(busy);
        int stored = 0;
        for (Conversation conversation : conversations) {
            final List<Message> newestFirst = threads.pageThrough(conversation.getId(), 100);
            stored += newestFirst.size();
            // The clock stands still: each message is sent one microsecond after the one before.
            final long count = newestFirst.size();
            assertEquals(LongStream.range(0, count).map(i -> Micros.of(NOW) + count - 1 - i).boxed().toList(),
                         newestFirst.stream().map(m -> Micros.of(m.getSentAt())).toList(),
                         () -> "sent_at of " + conversation.getTopic());
            final Map<String, Message> answeredHere =
                    answered.stream()
                            .filter(m -> m.getConversationId().equals(conversation.getId()))
                            .collect(Collectors.toMap(Message::getId, Function.identity()));
            final Map<String, Message> storedHere =
                    newestFirst.stream().collect(Collectors.toMap(Message::getId, Function.identity()));
            assertEquals(answeredHere, storedHere, () -> "messages of " + conversation.getTopic());
        }
        assertEquals(WRITERS * PER_WRITER, stored);
        // A writer waits for each answer before its next call: its messages are sent in its order.
        for (List<Message> ofOneWriter : answeredByWriter) {
            for (Conversation conversation : conversations) {
                final List<Long> sentAt = ofOneWriter.stream()
                                                     .filter(m -> m.getConversationId().equals(conversation.getId()))
                                                     .map(m -> Micros.of(m.getSentAt()))
                                                     .toList();
                final List<Long> sorted = new ArrayList<>(sentAt);
                Collections.sort(sorted);
                assertEquals(sorted, sentAt);
            }
        }
    }
}
