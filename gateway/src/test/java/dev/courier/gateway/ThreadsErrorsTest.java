package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;

import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;

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
        final HttpResponse<String> response = server.post("/threads/Threads/" + method, body);
        assertEquals(httpStatus, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{\"id\":\"" + id + "\",\"code\":" + httpStatus + ",\"detail\":\""),
                   response.body());
        assertTrue(response.body().contains("\"status\":\""), response.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void grpcErrorCarriesIdAndCode(String name, String method, String body, int httpStatus, String id)
            throws InvalidProtocolBufferException {
        final var descriptor = ThreadsGrpc.getServiceDescriptor();
        final com.google.protobuf.Descriptors.MethodDescriptor protoMethod =
                dev.courier.proto.threads.ThreadsProto.getDescriptor()
                                                      .findServiceByName("Threads")
                                                      .findMethodByName(method);
        final DynamicMessage.Builder request = DynamicMessage.newBuilder(protoMethod.getInputType());
        JsonFormat.parser().merge(body, request);
        final MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod =
                MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                                .setType(MethodDescriptor.MethodType.UNARY)
                                .setFullMethodName(descriptor.getName() + '/' + method)
                                .setRequestMarshaller(ProtoUtils.marshaller(request.build()))
                                .setResponseMarshaller(ProtoUtils.marshaller(
                                        DynamicMessage.getDefaultInstance(protoMethod.getOutputType())))
                                .build();
        final StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () ->
                ClientCalls.blockingUnaryCall(server.channel, grpcMethod, CallOptions.DEFAULT, request.build()));
        assertEquals(httpStatus == 404 ? Status.Code.NOT_FOUND : Status.Code.INVALID_ARGUMENT,
                     error.getStatus().getCode());
        final com.google.rpc.Status details = StatusProto.fromThrowable(error);
        assertNotNull(details, "no status details");
        ErrorInfo info = null;
        for (Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                info = detail.unpack(ErrorInfo.class);
            }
        }
        assertNotNull(info, "no ErrorInfo in " + details);
        assertEquals(id, info.getReason());
        assertEquals("threads", info.getDomain());
    }
}
