package dev.courier.gateway;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.chat.ChatProto;

import io.grpc.Status;

/** Every error id of Chat's unary methods, over JSON and over gRPC alike. */
class ChatErrorsTest {

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

    static Stream<Arguments> errors() {
        final String longId = "u".repeat(129);
        return Stream.of(
                row("New", "{}", 400, "chat.New.MissingUserIDs"),
                row("New", "{\"user_ids\":[\"\",\"\"]}", 400, "chat.New.MissingUserIDs"),
                row("New", "{\"user_ids\":[\"" + longId + "\"]}", 400, "chat.New.UserIDTooLong"),
                row("Send", "{\"user_id\":\"u\",\"text\":\"t\"}", 400, "chat.Send.MissingChatID"),
                row("Send", "{\"chat_id\":\"c\",\"text\":\"t\"}", 400, "chat.Send.MissingUserID"),
                row("Send", "{\"chat_id\":\"c\",\"user_id\":\"u\"}", 400, "chat.Send.MissingText"),
                row("Send", "{\"chat_id\":\"c\",\"user_id\":\"u\",\"text\":\"t\",\"subject\":\"" + "s".repeat(1025) +
                            "\"}", 400, "chat.Send.FieldTooLong"),
                row("Send", "{\"chat_id\":\"nope\",\"user_id\":\"u\",\"text\":\"t\"}", 404, "chat.Send.InvalidChatID"),
                row("History", "{}", 400, "chat.History.MissingChatID"),
                row("History", "{\"chat_id\":\"nope\"}", 404, "chat.History.InvalidChatID"),
                row("History", "{\"chat_id\":\"c\",\"limit\":1001}", 400, "chat.History.InvalidPage"),
                row("History", "{\"chat_id\":\"c\",\"before_id\":\"a\",\"after_id\":\"b\"}", 400,
                    "chat.History.InvalidPage"));
    }

    private static Arguments row(String method, String body, int httpStatus, String id) {
        return Arguments.of(method + " " + id, method, body, httpStatus, id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void jsonErrorCarriesIdAndStatus(String name, String method, String body, int httpStatus, String id) {
        ErrorRows.assertJsonError(server, "/chat/Chat/" + method, body, httpStatus, id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void grpcErrorCarriesIdAndCode(String name, String method, String body, int httpStatus, String id)
            throws InvalidProtocolBufferException {
        ErrorRows.assertGrpcError(server, ChatProto.getDescriptor().findServiceByName("Chat").findMethodByName(method),
                                  body, httpStatus == 404 ? Status.Code.NOT_FOUND : Status.Code.INVALID_ARGUMENT,
                                  id, "chat");
    }
}
