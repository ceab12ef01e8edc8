package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

/**
 * What generic clients see: reflection in both protocol versions, health, and the Connect
 * protocol that buf curl speaks by default.
 */
class ReflectionAndHealthTest {

    private static final Set<String> CONTRACTS = Set.of("threads.Threads", "chat.Chat", "streams.Streams");

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

    @Test
    void reflectionV1ListsEveryService() throws Exception {
        final var response = new CompletableFuture<io.grpc.reflection.v1.ServerReflectionResponse>();
        final var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(server.channel)
                                                                      .serverReflectionInfo(observer(response));
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        final Set<String> services = response.get(10, TimeUnit.SECONDS)
                                             .getListServicesResponse().getServiceList().stream()
                                             .map(io.grpc.reflection.v1.ServiceResponse::getName)
                                             .collect(Collectors.toSet());
        assertTrue(services.containsAll(CONTRACTS), services.toString());
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    }

    @Test
    void reflectionV1alphaListsEveryServiceAndDescribesThreads() throws Exception {
        final var listed = new CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse>();
        var requests = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(server.channel)
                                                                     .serverReflectionInfo(observer(listed));
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                                                                          .setListServices("").build());
        requests.onCompleted();
        final Set<String> services = listed.get(10, TimeUnit.SECONDS)
                                           .getListServicesResponse().getServiceList().stream()
                                           .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                                           .collect(Collectors.toSet());
        assertTrue(services.containsAll(CONTRACTS), services.toString());

        final var described = new CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse>();
        requests = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(server.channel)
                                                                 .serverReflectionInfo(observer(described));
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                                                                          .setFileContainingSymbol(
                                                                                  "threads.Threads")
                                                                          .build());
        requests.onCompleted();
        final List<String> methods = described.get(10, TimeUnit.SECONDS)
                                              .getFileDescriptorResponse().getFileDescriptorProtoList().stream()
                                              .map(ReflectionAndHealthTest::parse)
                                              .filter(file -> "threads".equals(file.getPackage()))
                                              .flatMap(file -> file.getServiceList().stream())
                                              .flatMap(service -> service.getMethodList().stream())
                                              .map(method -> method.getName())
                                              .collect(Collectors.toList());
        assertEquals(8, methods.size(), methods.toString());
        assertTrue(methods.contains("RecentMessages"), methods.toString());
    }

    @Test
    void healthIsServing() {
        assertEquals(ServingStatus.SERVING,
                     HealthGrpc.newBlockingStub(server.channel)
                               .check(HealthCheckRequest.getDefaultInstance()).getStatus());
        final HttpResponse<String> http = server.send(
                HttpRequest.newBuilder(server.uri("/health")).GET().build());
        assertEquals(200, http.statusCode());
    }

    @Test
    void connectUnaryCallsTheService() {
        final HttpResponse<String> created = server.send(
                HttpRequest.newBuilder(server.uri("/threads.Threads/CreateConversation"))
                           .header("Content-Type", "application/json")
                           .header("Connect-Protocol-Version", "1")
                           .POST(BodyPublishers.ofString("{\"groupId\":\"g\",\"topic\":\"t\"}"))
                           .build());
        assertEquals(200, created.statusCode(), created.body());
        assertTrue(created.body().contains("\"groupId\":\"g\""), created.body());

        final HttpResponse<String> invalid = server.send(
                HttpRequest.newBuilder(server.uri("/threads.Threads/CreateConversation"))
                           .header("Content-Type", "application/json")
                           .header("Connect-Protocol-Version", "1")
                           .POST(BodyPublishers.ofString("{\"topic\":\"t\"}"))
                           .build());
        assertEquals(400, invalid.statusCode(), invalid.body());
        assertTrue(invalid.body().startsWith("{\"code\":\"invalid_argument\",\"message\":\"Missing GroupID\""),
                   invalid.body());
        assertTrue(invalid.body().contains("\"type\":\"google.rpc.ErrorInfo\""), invalid.body());
    }

    private static FileDescriptorProto parse(ByteString bytes) {
        try {
            return FileDescriptorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<T> first) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                first.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                first.completeExceptionally(new AssertionError("no response"));
            }
        };
    }
}
