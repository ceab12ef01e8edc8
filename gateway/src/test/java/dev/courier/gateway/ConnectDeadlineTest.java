package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Connect calls keep the deadline their client gives in {@code Connect-Timeout-Ms}, and end with
 * {@code deadline_exceeded} when it passes; a client that goes away cancels its call.
 */
class ConnectDeadlineTest {

    private static final String CREATE = "/threads.Threads/CreateMessage";
    private static final String BODY = "{\"conversationId\":\"c\",\"authorId\":\"a\",\"text\":\"hello\"}";

    /** Calls that reached the services, which never answer them, and calls the services saw cancelled. */
    private final AtomicInteger called = new AtomicInteger();
    private final CountDownLatch callCame = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);

    private io.grpc.Server grpcServer;
    private ManagedChannel channel;
    private Server server;
    private WebClient client;

    @BeforeEach
    void start() throws Exception {
        final List<ServerServiceDefinition> services = List.of(
                ThreadsGrpc.bindService(new ThreadsGrpc.ThreadsImplBase() {
                    @Override
                    public void createMessage(CreateMessageRequest request,
                                              StreamObserver<CreateMessageResponse> out) {
                        neverAnswer((ServerCallStreamObserver<?>) out);
                    }
                }),
                StreamsGrpc.bindService(new StreamsGrpc.StreamsImplBase() {
                    @Override
                    public void subscribe(SubscribeRequest request,
                                          StreamObserver<dev.courier.proto.streams.Message> out) {
                        neverAnswer((ServerCallStreamObserver<?>) out);
                    }
                }));
        final String name = InProcessServerBuilder.generateName();
        final InProcessServerBuilder grpc = InProcessServerBuilder.forName(name);
        services.forEach(grpc::addService);
        grpcServer = grpc.build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        final ConnectBridge bridge = ConnectBridge.of(services, channel, 1024 * 1024);
        final ServerBuilder sb = Server.builder().http(0).requestTimeoutMillis(0);
        bridge.paths().forEach(path -> sb.service(path, bridge));
        server = sb.build();
        server.start().join();
        client = WebClient.of("h2c://127.0.0.1:" + server.activeLocalPort());
    }

    private void neverAnswer(ServerCallStreamObserver<?> call) {
        call.setOnCancelHandler(cancelled::countDown);
        called.incrementAndGet();
        callCame.countDown();
    }

    @AfterEach
    void stop() {
        server.stop().join();
        channel.shutdownNow();
        grpcServer.shutdownNow();
    }

    @Test
    void aUnaryCallPastItsTimeoutEndsWithDeadlineExceeded() throws Exception {
        final AggregatedHttpResponse response =
                client.execute(unary("200")).aggregate().get(10, TimeUnit.SECONDS);
        assertEquals(504, response.status().code());
        assertTrue(response.contentUtf8().contains("\"code\":\"deadline_exceeded\""), response.contentUtf8());
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the service was not told the deadline passed");
    }

    @Test
    void aStreamPastItsTimeoutEndsWithDeadlineExceeded() throws Exception {
        final byte[] request = "{\"topic\":\"news\",\"token\":\"t\"}".getBytes(StandardCharsets.UTF_8);
        final byte[] envelope = new byte[5 + request.length];
        envelope[4] = (byte) request.length;
        System.arraycopy(request, 0, envelope, 5, request.length);
        final AggregatedHttpResponse response = client.execute(
                RequestHeaders.builder(HttpMethod.POST, "/streams.Streams/Subscribe")
                              .contentType(MediaType.parse("application/connect+json"))
                              .add("connect-timeout-ms", "200")
                              .build(),
                HttpData.wrap(envelope)).aggregate().get(10, TimeUnit.SECONDS);
        final byte[] body = response.content().array();
        // One envelope: the end of the stream (flag 2), its JSON carrying the error.
        assertEquals(2, body[0]);
        final String end = new String(Arrays.copyOfRange(body, 5, body.length), StandardCharsets.UTF_8);
        assertTrue(end.contains("\"code\":\"deadline_exceeded\""), end);
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the service was not told the deadline passed");
    }

    @Test
    void aTimeoutThatIsNotAPositiveNumberIsRefusedBeforeTheCall() throws Exception {
        for (String timeout : List.of("0", "-5", "1.5", "soon", "12345678901")) {
            final AggregatedHttpResponse response =
                    client.execute(unary(timeout)).aggregate().get(10, TimeUnit.SECONDS);
            assertEquals(400, response.status().code(), timeout);
            assertTrue(response.contentUtf8().contains("\"code\":\"invalid_argument\""), response.contentUtf8());
        }
        assertEquals(0, called.get());
    }

    @Test
    void aUnaryCallWhoseClientGoesAwayIsCancelled() throws Exception {
        final HttpResponse response = client.execute(unary(null));
        assertTrue(callCame.await(10, TimeUnit.SECONDS), "the service was not called");
        response.abort();
        assertTrue(cancelled.await(10, TimeUnit.SECONDS), "the service was not told that its client went away");
    }

    private static HttpRequest unary(String timeout) {
        final RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, CREATE)
                                                            .contentType(MediaType.JSON)
                                                            .add("connect-protocol-version", "1");
        if (timeout != null) {
            headers.add("connect-timeout-ms", timeout);
        }
        return HttpRequest.of(headers.build(), HttpData.ofUtf8(BODY));
    }
}
