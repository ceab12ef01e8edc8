package dev.courier.gateway;


import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.threads.ThreadsProto;

import io.grpc.Status;

/**
 * Every error id of Threads, over JSON (micro error body, HTTP status) and over gRPC (status code,
 * ErrorInfo reason) alike.
 */
class ThreadsErrorsTest {

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
        final String longId = "x".repeat(129);
        final String longText = "x".repeat(64 * 1024 + 1);
        return Stream.of(
                row("CreateConversation", "{\"topic\":\"t\"}", 400, "MISSING_GROUP_ID"),
                row("CreateConversation", "{\"group_id\":\"g\"}", 400, "MISSING_TOPIC"),
                row("CreateConversation", "{\"group_id\":\"" + longId + "\",\"topic\":\"t\"}", 400,
                    "GROUP_ID_TOO_LONG"),
                row("CreateConversation", "{\"group_id\":\"g\",\"topic\":\"" + "t".repeat(1025) + "\"}", 400,
                    "TOPIC_TOO_LONG"),
                row("ReadConversation", "{}", 400, "MISSING_ID"),
                row("ReadConversation", "{\"id\":\"" + longId + "\"}", 400, "ID_TOO_LONG"),
                row("ReadConversation", "{\"id\":\"nope\"}", 404, "NOT_FOUND"),
                row("UpdateConversation", "{\"topic\":\"t\"}", 400, "MISSING_ID"),
                row("UpdateConversation", "{\"id\":\"nope\"}", 400, "MISSING_TOPIC"),
                row("UpdateConversation", "{\"id\":\"nope\",\"topic\":\"t\"}", 404, "NOT_FOUND"),
                row("DeleteConversation", "{}", 400, "MISSING_ID"),
                row("DeleteConversation", "{\"id\":\"nope\"}", 404, "NOT_FOUND"),
                row("ListConversations", "{}", 400, "MISSING_GROUP_ID"),
                row("CreateMessage", "{\"author_id\":\"a\",\"text\":\"t\"}", 400, "MISSING_CONVERSATION_ID"),
                row("CreateMessage", "{\"conversation_id\":\"c\",\"text\":\"t\"}", 400, "MISSING_AUTHOR_ID"),
                row("CreateMessage", "{\"conversation_id\":\"c\",\"author_id\":\"a\"}", 400, "MISSING_TEXT"),
                row("CreateMessage", "{\"conversation_id\":\"c\",\"author_id\":\"a\",\"text\":\"" + longText +
                                     "\"}", 400, "TEXT_TOO_LONG"),
                row("CreateMessage", "{\"id\":\"" + longId + "\",\"conversation_id\":\"c\",\"author_id\":\"a\"," +
                                     "\"text\":\"t\"}", 400, "ID_TOO_LONG"),
                row("CreateMessage", "{\"conversation_id\":\"nope\",\"author_id\":\"a\",\"text\":\"t\"}", 404,
                    "NOT_FOUND"),
                row("ListMessages", "{}", 400, "MISSING_CONVERSATION_ID"),
                row("ListMessages", "{\"conversation_id\":\"c\",\"limit\":1001}", 400, "INVALID_LIMIT"),
                row("ListMessages", "{\"conversation_id\":\"c\",\"limit\":-1}", 400, "INVALID_LIMIT"),
                row("RecentMessages", "{}", 400, "MISSING_CONVERSATION_IDS"),
                row("RecentMessages", "{\"conversation_ids\":[\"c\"],\"limit_per_conversation\":5000}", 400,
                    "INVALID_LIMIT"));
    }

    private static Arguments row(String method, String body, int httpStatus, String id) {
        return Arguments.of(method + " " + id, method, body, httpStatus, id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void jsonErrorCarriesIdAndStatus(String name, String method, String body, int httpStatus, String id) {
        ErrorRows.assertJsonError(server, "/threads/Threads/" + method, body, httpStatus, id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void grpcErrorCarriesIdAndCode(String name, String method, String body, int httpStatus, String id)
            throws InvalidProtocolBufferException {
        ErrorRows.assertGrpcError(server, ThreadsProto.getDescriptor().findServiceByName("Threads")
                                                      .findMethodByName(method),
                                  body, httpStatus == 404 ? Status.Code.NOT_FOUND : Status.Code.INVALID_ARGUMENT,
                                  id, "threads");
    }
}
