package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateConversationResponse;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.ListConversationsResponse;
import dev.courier.proto.threads.ListMessagesResponse;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ReadConversationResponse;
import dev.courier.proto.threads.RecentMessagesResponse;
import dev.courier.proto.threads.UpdateConversationResponse;

/** Every Threads RPC through the JSON gateway, as the curl examples of the README call them. */
class ThreadsJsonTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(dataDir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String ok(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        return response.body();
    }

    private static Conversation createConversation(String groupId, String topic) {
        final CreateConversationResponse created = Json.parse(
                ok(server.post("/threads/Threads/CreateConversation",
                               "{\"group_id\":\"" + groupId + "\",\"topic\":\"" + topic + "\"}")),
                CreateConversationResponse.newBuilder());
        return created.getConversation();
    }

    private static Message createMessage(String conversationId, String text) {
        final CreateMessageResponse created = Json.parse(
                ok(server.post("/threads/Threads/CreateMessage",
                               "{\"conversation_id\":\"" + conversationId + "\",\"author_id\":\"ann\"," +
                               "\"text\":\"" + text + "\"}")),
                CreateMessageResponse.newBuilder());
        return created.getMessage();
    }

    @Test
    void createConversationReturnsItInSnakeCase() {
        final String body = ok(server.post("/threads/Threads/CreateConversation",
                                           "{\"group_id\":\"g1\",\"topic\":\"Hello\"}"));
        assertTrue(body.contains("\"group_id\":\"g1\""), body);
        assertTrue(body.contains("\"created_at\":\""), body);
        final Conversation conversation =
                Json.<CreateConversationResponse>parse(body, CreateConversationResponse.newBuilder())
                    .getConversation();
        assertFalse(conversation.getId().isEmpty());
        assertEquals("Hello", conversation.getTopic());
    }

    @Test
    void readConversationFindsItAndFiltersByGroup() {
        final Conversation conversation = createConversation("g-read", "t");
        final ReadConversationResponse read = Json.parse(
                ok(server.post("/threads/Threads/ReadConversation", "{\"id\":\"" + conversation.getId() + "\"}")),
                ReadConversationResponse.newBuilder());
        assertEquals(conversation, read.getConversation());

        final ReadConversationResponse inGroup = Json.parse(
                ok(server.post("/threads/Threads/ReadConversation",
                               "{\"id\":\"" + conversation.getId() + "\",\"group_id\":\"g-read\"}")),
                ReadConversationResponse.newBuilder());
        assertEquals(conversation, inGroup.getConversation());

        final HttpResponse<String> otherGroup = server.post(
                "/threads/Threads/ReadConversation",
                "{\"id\":\"" + conversation.getId() + "\",\"group_id\":\"another\"}");
        assertEquals(404, otherGroup.statusCode());
        assertTrue(otherGroup.body().contains("\"id\":\"NOT_FOUND\""), otherGroup.body());
    }

    @Test
    void updateConversationChangesTheTopic() {
        final Conversation conversation = createConversation("g-update", "before");
        final UpdateConversationResponse updated = Json.parse(
                ok(server.post("/threads/Threads/UpdateConversation",
                               "{\"id\":\"" + conversation.getId() + "\",\"topic\":\"after\"}")),
                UpdateConversationResponse.newBuilder());
        assertEquals(conversation.toBuilder().setTopic("after").build(), updated.getConversation());
    }

    @Test
    void deleteConversationDeletesItsMessages() {
        final Conversation conversation = createConversation("g-delete", "t");
        createMessage(conversation.getId(), "doomed");
        assertEquals("{}", ok(server.post("/threads/Threads/DeleteConversation",
                                          "{\"id\":\"" + conversation.getId() + "\"}")));
        assertEquals("{\"messages\":[]}",
                     ok(server.post("/threads/Threads/ListMessages",
                                    "{\"conversation_id\":\"" + conversation.getId() + "\"}")));
        assertEquals(404, server.post("/threads/Threads/ReadConversation",
                                      "{\"id\":\"" + conversation.getId() + "\"}").statusCode());
    }

    @Test
    void listConversationsListsTheGroupOldestFirst() {
        final String group = "g-" + UUID.randomUUID();
        final Conversation first = createConversation(group, "first");
        final Conversation second = createConversation(group, "second");
        createConversation("elsewhere", "not mine");
        final ListConversationsResponse listed = Json.parse(
                ok(server.post("/threads/Threads/ListConversations", "{\"group_id\":\"" + group + "\"}")),
                ListConversationsResponse.newBuilder());
        assertEquals(List.of(first, second), listed.getConversationsList());
        assertEquals("{\"conversations\":[]}",
                     ok(server.post("/threads/Threads/ListConversations", "{\"group_id\":\"nobody\"}")));
    }

    @Test
    void createMessageStoresItAndIsIdempotentWithAClientId() {
        final Conversation conversation = createConversation("g-message", "t");
        final Message message = createMessage(conversation.getId(), "hello");
        assertEquals("hello", message.getText());
        assertEquals(conversation.getId(), message.getConversationId());
        assertTrue(message.getSentAt().getSeconds() > 0);

        final String request = "{\"id\":\"client-1\",\"conversation_id\":\"" + conversation.getId() +
                               "\",\"author_id\":\"ann\",\"text\":\"once\"}";
        final String first = ok(server.post("/threads/Threads/CreateMessage", request));
        final String again = ok(server.post("/threads/Threads/CreateMessage",
                                            request.replace("once", "twice")));
        assertEquals(first, again);
    }

    /**
     * Many calls in flight on one HTTP/2 connection: their answers come back from the store's
     * threads in batches, are handed to the event loop in runs and leave in joined writes, and
     * each must still reach the request it answers.
     */
    @Test
    void concurrentCallsOnOneConnectionEachGetTheirOwnAnswer() throws Exception {
        final Conversation conversation = createConversation("g-concurrent", "t");
        try (ClientFactory factory = ClientFactory.builder().maxNumEventLoopsPerEndpoint(1).build()) {
            concurrentCalls(WebClient.builder(server.uri("/")).factory(factory).build(), conversation);
        }
    }

    private static void concurrentCalls(WebClient client, Conversation conversation) throws Exception {
        final int calls = 300;
        final List<CompletableFuture<AggregatedHttpResponse>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            final String path = i % 3 == 2 ? "/threads/Threads/ListMessages" : "/threads/Threads/CreateMessage";
            final String body = i % 3 == 2
                                ? "{\"conversation_id\":\"" + conversation.getId() + "\",\"limit\":" + (1 + i % 7) + "}"
                                : "{\"conversation_id\":\"" + conversation.getId() + "\",\"author_id\":\"ann\"," +
                                  "\"text\":\"call " + i + "\"}";
            answers.add(client.execute(HttpRequest.of(
                    HttpMethod.POST, path, MediaType.JSON_UTF_8, body)).aggregate());
        }
        final Set<String> texts = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            final AggregatedHttpResponse answer = answers.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(200, answer.status().code(), answer.contentUtf8());
            if (i % 3 == 2) {
                final ListMessagesResponse page = Json.parse(answer.contentUtf8(), ListMessagesResponse.newBuilder());
                assertTrue(page.getMessagesCount() <= 1 + i % 7, answer.contentUtf8());
            } else {
                final Message message = Json.<CreateMessageResponse>parse(answer.contentUtf8(),
                                                                          CreateMessageResponse.newBuilder())
                                            .getMessage();
                assertEquals("call " + i, message.getText());
                texts.add(message.getText());
            }
        }
        assertEquals(200, texts.size());
    }

    @Test
    void listMessagesPagesBackNewestFirst() {
        final Conversation conversation = createConversation("g-list", "t");
        for (int i = 0; i < 30; i++) {
            createMessage(conversation.getId(), "m" + i);
        }
        final ListMessagesResponse firstPage = Json.parse(
                ok(server.post("/threads/Threads/ListMessages",
                               "{\"conversation_id\":\"" + conversation.getId() + "\"}")),
                ListMessagesResponse.newBuilder());
        assertEquals(25, firstPage.getMessagesCount());
        assertEquals("m29", firstPage.getMessages(0).getText());

        final String cursor = com.google.protobuf.util.Timestamps.toString(
                firstPage.getMessages(24).getSentAt());
        final ListMessagesResponse secondPage = Json.parse(
                ok(server.post("/threads/Threads/ListMessages",
                               "{\"conversation_id\":\"" + conversation.getId() + "\",\"sent_before\":\"" +
                               cursor + "\",\"limit\":10}")),
                ListMessagesResponse.newBuilder());
        assertEquals(List.of("m4", "m3", "m2", "m1", "m0"),
                     secondPage.getMessagesList().stream().map(Message::getText).collect(Collectors.toList()));
    }

    @Test
    void recentMessagesReturnsTheNewestOfEachConversation() {
        final Conversation a = createConversation("g-recent", "a");
        final Conversation b = createConversation("g-recent", "b");
        for (int i = 0; i < 3; i++) {
            createMessage(a.getId(), "a" + i);
            createMessage(b.getId(), "b" + i);
        }
        final RecentMessagesResponse recent = Json.parse(
                ok(server.post("/threads/Threads/RecentMessages",
                               "{\"conversation_ids\":[\"" + b.getId() + "\",\"" + a.getId() +
                               "\"],\"limit_per_conversation\":2}")),
                RecentMessagesResponse.newBuilder());
        assertEquals(List.of("b2", "b1", "a2", "a1"),
                     recent.getMessagesList().stream().map(Message::getText).collect(Collectors.toList()));
    }

    @Test
    void shortAndLegacyPathsReachTheSameMethods() {
        final Conversation conversation = createConversation("g-paths", "t");
        final String expected = ok(server.post("/threads/Threads/ReadConversation",
                                               "{\"id\":\"" + conversation.getId() + "\"}"));
        assertEquals(expected, ok(server.post("/threads/ReadConversation",
                                              "{\"id\":\"" + conversation.getId() + "\"}")));
        assertEquals(expected, ok(server.post("/protobuf/Streams/ReadConversation",
                                              "{\"id\":\"" + conversation.getId() + "\"}")));
    }
}
