package dev.courier.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.proto.threads.Message;
import dev.courier.threads.store.JdbcThreadStore;
import dev.courier.threads.store.MessageResult;
import dev.courier.threads.store.NewMessage;
import dev.courier.threads.store.StoreException;
import dev.courier.threads.store.ThreadStore;

/**
 * The store's batch of messages: one transaction for messages of several conversations, with the
 * sent_at, idempotency and NOT_FOUND of one message at a time, and a refused message failing alone.
 */
class CreateMessagesStoreTest {

    private static final String NAMESPACE = "default";
    private static final long NOW = Micros.of(Instant.parse("2030-01-02T03:04:05Z"));

    @TempDir
    Path dataDir;

    private HikariDataSource dataSource;
    private ThreadStore store;

    @BeforeEach
    void open() {
        dataSource = TestDatabase.open(dataDir, "threads", 8);
        store = JdbcThreadStore.migrate(dataSource);
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private String createConversation() {
        return store.createConversation(NAMESPACE, UUID.randomUUID().toString(), "team-1", "Launch", NOW).getId();
    }

    private static NewMessage message(String conversationId, String id, String text, long nowMicros) {
        return new NewMessage(NAMESPACE, conversationId, id, "ann", text, nowMicros);
    }

    private static NewMessage message(String conversationId, String text) {
        return message(conversationId, "", text, NOW);
    }

    private List<Message> stored(String conversationId) {
        final List<Message> newestFirst = new ArrayList<>(store.listMessages(NAMESPACE, conversationId,
                                                                             Long.MAX_VALUE, 1000));
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    private static List<Message> messages(List<MessageResult> results) {
        return results.stream().map(result -> result.message().orElseThrow()).toList();
    }

    @Test
    void createMessagesSendsEachConversationsMessagesInListOrder() {
        final String first = createConversation();
        final String second = createConversation();
        final String missing = UUID.randomUUID().toString();

        final List<MessageResult> results = store.createMessages(List.of(
                message(first, "first 1"), message(second, "second 1"), message(missing, "nowhere 1"),
                message(first, "first 2"), message(second, "second 2"), message(missing, "nowhere 2")));

        assertEquals(6, results.size());
        assertEquals(Optional.empty(), results.get(2).message());
        assertEquals(Optional.empty(), results.get(5).message());
        final List<Message> inFirst = messages(List.of(results.get(0), results.get(3)));
        final List<Message> inSecond = messages(List.of(results.get(1), results.get(4)));
        assertEquals(List.of("first 1", "first 2"), inFirst.stream().map(Message::getText).toList());
        assertEquals(List.of("second 1", "second 2"), inSecond.stream().map(Message::getText).toList());
        // Each conversation keeps its own clock: both start at now.
        for (List<Message> sent : List.of(inFirst, inSecond)) {
            assertEquals(List.of(NOW, NOW + 1), sent.stream().map(m -> Micros.of(m.getSentAt())).toList());
        }
        assertEquals(inFirst, stored(first));
        assertEquals(inSecond, stored(second));
    }

    @Test
    void createMessagesStoresAClientIdRepeatedInTheBatchOnce() {
        final String conversation = createConversation();

        final List<MessageResult> results = store.createMessages(List.of(
                message(conversation, "client-42", "first try", NOW),
                message(conversation, "", "between", NOW),
                message(conversation, "client-42", "second try", NOW)));

        final List<Message> answered = messages(results);
        assertEquals(answered.get(0), answered.get(2));
        assertEquals("first try", answered.get(0).getText());
        assertEquals(List.of(answered.get(0), answered.get(1)), stored(conversation));
    }

    @Test
    void createMessagesReturnsAnExistingMessageUnchangedWithoutTakingASentAt() {
        final String conversation = createConversation();
        final Message existing = store.createMessage(NAMESPACE, conversation, "client-42", "ann", "Hello", NOW)
                                      .orElseThrow();
        final long later = NOW + 1_000_000;

        final List<Message> answered = messages(store.createMessages(List.of(
                message(conversation, "client-42", "Something else", later),
                message(conversation, "", "new", later))));

        assertEquals(existing, answered.get(0));
        // Had the repeat taken a sent_at, the new message would be sent a microsecond later.
        assertEquals(later, Micros.of(answered.get(1).getSentAt()));
        assertEquals(List.of(existing, answered.get(1)), stored(conversation));
    }

    static Stream<Arguments> refusedMessages() {
        final Stream<Arguments> everywhere = Stream.of(
                Arguments.of("author_id longer than its column", Strings.ofBytes(200), "refused"));
        // PostgreSQL keeps no U+0000 in text; the embedded database does.
        return TestDatabase.onPostgres()
               ? Stream.concat(everywhere, Stream.of(Arguments.of("text with U+0000", "ann", "nul \u0000 here")))
               : everywhere;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedMessages")
    void createMessagesFailsOnlyTheMessageTheDatabaseRefuses(String name, String authorId, String text) {
        final String conversation = createConversation();
        final NewMessage refused = new NewMessage(NAMESPACE, conversation, "", authorId, text, NOW);

        final List<MessageResult> results = store.createMessages(List.of(
                message(conversation, "before"), message(conversation, "client-42", "with id", NOW), refused,
                message(conversation, "after")));

        assertThrows(StoreException.class, results.get(2)::message);
        final List<Message> kept = messages(List.of(results.get(0), results.get(1), results.get(3)));
        assertEquals(List.of("before", "with id", "after"), kept.stream().map(Message::getText).toList());
        assertEquals(kept, stored(conversation));
        assertEquals(List.of(NOW, NOW + 1, NOW + 2), kept.stream().map(m -> Micros.of(m.getSentAt())).toList());
    }

    @Test
    void createMessageStoresOneMessageAsABatchOfOne() {
        final String conversation = createConversation();

        final Message message = store.createMessage(NAMESPACE, conversation, "", "ann", "Hello", NOW)
                                     .orElseThrow();

        assertEquals(List.of(message), stored(conversation));
        assertEquals(Optional.empty(), store.createMessage(NAMESPACE, UUID.randomUUID().toString(), "", "ann",
                                                           "Hello", NOW));
        assertThrows(StoreException.class, () -> store.createMessage(NAMESPACE, conversation, "", Strings.ofBytes(200),
                                                                    "Hello", NOW));
    }

    /**
     * Batches running at once, each naming the same conversations in its own order: they must
     * neither deadlock nor give two messages of one conversation the same sent_at.
     */
    @Test
    void concurrentBatchesOverSharedConversationsKeepSentAtUnique() throws Exception {
        final List<String> conversations = List.of(createConversation(), createConversation(), createConversation());
        final int writers = 8;
        final int batchesEach = 20;
        final List<Callable<List<Message>>> tasks = new ArrayList<>();
        for (int writer = 0; writer < writers; writer++) {
            final Random random = new Random(writer);
            tasks.add(() -> {
                final List<Message> written = new ArrayList<>();
                for (int batch = 0; batch < batchesEach; batch++) {
                    final List<NewMessage> messages = new ArrayList<>();
                    for (String conversation : conversations) {
                        messages.add(message(conversation, "batch " + batch));
                        messages.add(message(conversation, "batch " + batch + ", again"));
                    }
                    Collections.shuffle(messages, random);
                    written.addAll(messages(store.createMessages(messages)));
                }
                return written;
            });
        }

        final List<Message> written = Concurrently.run(tasks).stream().flatMap(List::stream).toList();

        assertEquals(writers * batchesEach * conversations.size() * 2, written.size());
        for (String conversation : conversations) {
            final List<Message> stored = stored(conversation);
            assertEquals(writers * batchesEach * 2, stored.size());
            final Set<Long> sentAt = new HashSet<>();
            stored.forEach(m -> assertTrue(sentAt.add(Micros.of(m.getSentAt())), () -> "sent_at twice: " + m));
            assertEquals(written.stream().filter(m -> m.getConversationId().equals(conversation)).count(),
                         stored.size());
        }
    }
}
