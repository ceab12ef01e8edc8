package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway's answers to requests it cannot serve: clear micro errors, never a stack trace. */
class GatewayHttpTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir).maxRequestBytes(64 * 1024)
                                                       .dbPoolSize(2).storeQueueSize(64).streamQueueSize(64).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> badRequests() {
        final String create = "/threads/Threads/CreateConversation";
        return Stream.of(
                Arguments.of("malformed JSON", post(create, "application/json", "{\"group_id\":"), 400,
                             "INVALID_JSON", "End of input"),
                Arguments.of("JSON that is not an object", post(create, "application/json", "[1,2]"), 400,
                             "INVALID_JSON", "Expect message object"),
                Arguments.of("unknown field", post(create, "application/json", "{\"groupid\":\"g\"}"), 400,
                             "INVALID_JSON", "groupid"),
                Arguments.of("wrong type", post("/threads/Threads/ListMessages", "application/json",
                                                "{\"conversation_id\":\"c\",\"limit\":\"many\"}"), 400,
                             "INVALID_JSON", "many"),
                Arguments.of("unknown method", post("/threads/Threads/Nope", "application/json", "{}"), 404,
                             "NOT_FOUND", "/threads/Threads/Nope"),
                Arguments.of("unknown service", post("/nothing/Here/At", "application/json", "{}"), 404,
                             "NOT_FOUND", "/nothing/Here/At"),
                Arguments.of("GET on a unary method", HttpRequest.newBuilder(server.uri(create)).GET().build(),
                             405, "METHOD_NOT_ALLOWED", "POST"),
                Arguments.of("form body", post(create, "application/x-www-form-urlencoded", "a=b"), 415,
                             "UNSUPPORTED_MEDIA_TYPE", "application/json"),
                Arguments.of("body over the limit", post(create, "application/json",
                                                         "{\"topic\":\"" + "x".repeat(70 * 1024) + "\"}"),
                             413, "REQUEST_TOO_LARGE", "65536 bytes"),
                Arguments.of("streaming method over POST",
                             post("/chat/Chat/Connect", "application/json", "{}"), 400, "STREAMING_METHOD",
                             "WebSocket"));
    }

    private static HttpRequest post(String path, String contentType, String body) {
        return HttpRequest.newBuilder(server.uri(path))
                          .header("Content-Type", contentType)
                          .POST(BodyPublishers.ofString(body))
                          .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestGetsMicroError(String name, HttpRequest request, int status, String id, String detailPart) {
        final HttpResponse<String> response = server.send(request);
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertTrue(response.body().startsWith("{\"id\":\"" + id + "\",\"code\":" + status + ','), response.body());
        assertTrue(response.body().contains(detailPart), response.body());
        assertFalse(response.body().contains("Exception"), response.body());
        assertFalse(response.body().contains("\tat "), response.body());
    }

    @Test
    void methodNotAllowedNamesTheAllowedMethod() {
        final HttpResponse<String> response = server.send(
                HttpRequest.newBuilder(server.uri("/threads/Threads/ListConversations")).GET().build());
        assertEquals(List.of("POST"), response.headers().allValues("allow"));
    }

    @Test
    void chunkedBodyOverTheLimitIsRefused() {
        final byte[] big = ("{\"topic\":\"" + "x".repeat(70 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        // A body of unknown length arrives chunked: the limit holds without a Content-Length.
        final HttpResponse<String> response = server.send(
                HttpRequest.newBuilder(server.uri("/threads/Threads/CreateConversation"))
                           .header("Content-Type", "application/json")
                           .POST(BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                           .build());
        assertEquals(413, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"id\":\"REQUEST_TOO_LARGE\""), response.body());
    }

    @Test
    void emptyBodyIsAnEmptyRequest() {
        final HttpResponse<String> response = server.post("/threads/Threads/ListConversations", "");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("\"id\":\"MISSING_GROUP_ID\""), response.body());
    }

    @Test
    void unknownGrpcMethodAnswersUnimplemented() {
        final io.grpc.MethodDescriptor<byte[], byte[]> unknown =
                io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                                        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                                        .setFullMethodName("nothing.Here/At")
                                        .setRequestMarshaller(GrpcForwarder.BYTES)
                                        .setResponseMarshaller(GrpcForwarder.BYTES)
                                        .build();
        final io.grpc.StatusRuntimeException error = org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class,
                () -> io.grpc.stub.ClientCalls.blockingUnaryCall(server.channel, unknown,
                                                                 io.grpc.CallOptions.DEFAULT, new byte[0]));
        assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, error.getStatus().getCode());
    }

    @Test
    void documentationPageDescribesEveryServiceWithItsComments() {
        final HttpResponse<String> page = server.send(
                HttpRequest.newBuilder(server.uri("/docs/specification.json")).GET().build());
        assertEquals(200, page.statusCode());
        for (String service : List.of("threads.Threads", "chat.Chat", "streams.Streams")) {
            assertTrue(page.body().contains("\"" + service + "\""), service);
        }
        assertTrue(page.body().contains("Deletes a conversation together with all of its messages"),
                   "comments of the .proto files are missing");
    }
}
