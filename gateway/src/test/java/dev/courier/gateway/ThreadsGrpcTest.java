package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.DeleteConversationRequest;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.RecentMessagesRequest;
import dev.courier.proto.threads.ThreadsGrpc;
import dev.courier.proto.threads.ThreadsGrpc.ThreadsBlockingStub;
import dev.courier.proto.threads.UpdateConversationRequest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Every Threads RPC over gRPC on the gateway's port, with generated Java stubs. */
class ThreadsGrpcTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;
    static ThreadsBlockingStub threads;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(dataDir);
        threads = ThreadsGrpc.newBlockingStub(server.channel);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Conversation conversation(String groupId, String topic) {
        return threads.createConversation(CreateConversationRequest.newBuilder()
                                                                   .setGroupId(groupId)
                                                                   .setTopic(topic)
                                                                   .build())
                      .getConversation();
    }

    private static Message message(String conversationId, String text) {
        return threads.createMessage(CreateMessageRequest.newBuilder()
                                                         .setConversationId(conversationId)
                                                         .setAuthorId("bob")
                                                         .setText(text)
                                                         .build())
                      .getMessage();
    }

    private static List<String> texts(List<Message> messages) {
        return messages.stream().map(Message::getText).collect(Collectors.toList());
    }

    @Test
    void conversationsCanBeCreatedReadUpdatedListedAndDeleted() {
        final Conversation created = conversation("grpc-group", "first");
        assertEquals("grpc-group", created.getGroupId());

        final Conversation read = threads.readConversation(
                ReadConversationRequest.newBuilder()
                                       .setId(created.getId())
                                       .setGroupId(StringValue.of("grpc-group"))
                                       .build()).getConversation();
        assertEquals(created, read);

        final Conversation updated = threads.updateConversation(
                UpdateConversationRequest.newBuilder().setId(created.getId()).setTopic("renamed").build())
                                            .getConversation();
        assertEquals("renamed", updated.getTopic());

        assertEquals(List.of(updated), threads.listConversations(
                ListConversationsRequest.newBuilder().setGroupId("grpc-group").build()).getConversationsList());

        threads.deleteConversation(DeleteConversationRequest.newBuilder().setId(created.getId()).build());
        final StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () ->
                threads.readConversation(ReadConversationRequest.newBuilder().setId(created.getId()).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        assertEquals("Conversation not found", gone.getStatus().getDescription());
    }

    @Test
    void messagesCanBeWrittenListedAndReadRecently() {
        final Conversation one = conversation("grpc-messages", "one");
        final Conversation two = conversation("grpc-messages", "two");
        for (int i = 0; i < 4; i++) {
            message(one.getId(), "one-" + i);
            message(two.getId(), "two-" + i);
        }
        final List<Message> newest = threads.listMessages(ListMessagesRequest.newBuilder()
                                                                             .setConversationId(one.getId())
                                                                             .setLimit(Int32Value.of(3))
                                                                             .build())
                                            .getMessagesList();
        assertEquals(List.of("one-3", "one-2", "one-1"), texts(newest));
        final List<Message> older = threads.listMessages(ListMessagesRequest.newBuilder()
                                                                            .setConversationId(one.getId())
                                                                            .setSentBefore(newest.get(2).getSentAt())
                                                                            .build())
                                           .getMessagesList();
        assertEquals(List.of("one-0"), texts(older));

        assertEquals(List.of("one-3", "two-3"),
                     texts(threads.recentMessages(RecentMessagesRequest.newBuilder()
                                                                       .addConversationIds(one.getId())
                                                                       .addConversationIds(two.getId())
                                                                       .setLimitPerConversation(Int32Value.of(1))
                                                                       .build())
                                  .getMessagesList()));
    }
}
