package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.Server;

import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.ThreadsGrpc;
import dev.courier.proto.threads.ThreadsProto;

import io.grpc.ManagedChannel;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * A JSON call whose client goes away is cancelled, as a gRPC call is: the service is told, so
 * that work still queued for it (a message not yet written) is dropped instead of done.
 */
class JsonCancellationTest {

    private static final String PATH = "/threads/Threads/CreateMessage";
    private static final String BODY = "{\"conversation_id\":\"c\",\"author_id\":\"a\",\"text\":\"hello\"}";

    /** CreateMessage that never answers, and says when it was called and when it was cancelled. */
    private final CountDownLatch called = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final ServerServiceDefinition threads = ThreadsGrpc.bindService(new ThreadsGrpc.ThreadsImplBase() {
        @Override
        public void createMessage(CreateMessageRequest request, StreamObserver<CreateMessageResponse> out) {
            final ServerCallStreamObserver<CreateMessageResponse> call =
                    (ServerCallStreamObserver<CreateMessageResponse>) out;
            call.setOnCancelHandler(() -> {
                if (call.isCancelled()) {
                    cancelled.countDown();
                }
            });
            called.countDown();
        }
    });

    private io.grpc.Server grpcServer;
    private ManagedChannel channel;
    private Server server;

    @AfterEach
    void stop() {
        // Each test starts its servers itself: stop what it got to.
        if (server != null) {
            server.stop().join();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (grpcServer != null) {
            grpcServer.shutdownNow();
        }
    }

    @Test
    void aClosedConnectionCancelsACallInThisProcess() throws Exception {
        start(true);
        try (Socket socket = new Socket("127.0.0.1", server.activeLocalPort(SessionProtocol.HTTP))) {
            final byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            final OutputStream out = socket.getOutputStream();
            out.write(("POST " + PATH + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
                       "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            assertTrue(called.await(10, TimeUnit.SECONDS), "the service was not called");
        }
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the service was not told that its client went away");
    }

    @Test
    void aResetStreamCancelsAForwardedCall() throws Exception {
        start(false);
        final HttpResponse response = WebClient.of("h2c://127.0.0.1:" + server.activeLocalPort())
                                               .execute(HttpRequest.of(HttpMethod.POST, PATH, MediaType.JSON_UTF_8,
                                                                       BODY));
        // Read nothing: the answer never comes, and the client gives up on it.
        assertTrue(called.await(10, TimeUnit.SECONDS), "the service was not called");
        response.abort();
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the service was not told that its client went away");
    }

    /** Serves JSON for Threads, calling CreateMessage in this process ({@code local}) or through a channel. */
    private void start(boolean local) throws IOException {
        final String name = InProcessServerBuilder.generateName();
        grpcServer = InProcessServerBuilder.forName(name).addService(threads).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        final Map<String, ServerMethodDefinition<?, ?>> methods =
                local ? Map.of("threads.Threads/CreateMessage", threads.getMethod("threads.Threads/CreateMessage"))
                      : Map.of();
        final JsonGateway gateway = JsonGateway.of(
                List.of(ThreadsProto.getDescriptor().findServiceByName("Threads")), channel, methods);
        server = Server.builder().http(0).requestTimeoutMillis(0).serviceUnder("/", gateway).build();
        server.start().join();
    }
}
