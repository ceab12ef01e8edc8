package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;

/** Routes of an application that embeds the gateway: served beside the services, as they are. */
class EmbeddedRoutesTest {

    @TempDir
    Path dataDir;

    @Test
    void embeddedRoutesAreServedBehindTheGatewaysDecoratorsAndWinOverTheCatchAll() throws Exception {
        final GatewayConfig config = GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                                                  .maxRequestBytes(1024).build();
        try (RunningGateway server = RunningGateway.start(config, EmbeddedRoutesTest::echo)) {
            // The path is under the JSON gateway's catch-all, which would answer 404 for it.
            final HttpResponse<String> echoed = server.post("/threads/Threads/Echo", "{\"a\":1}");
            assertEquals(200, echoed.statusCode(), echoed.body());
            assertEquals("{\"a\":1}", echoed.body());

            // The request size limit and the micro-style errors apply to it as to the services.
            final HttpResponse<String> tooLarge = server.post("/threads/Threads/Echo", "x".repeat(2048));
            assertEquals(413, tooLarge.statusCode(), tooLarge.body());
            assertTrue(tooLarge.body().contains("\"code\":413"), tooLarge.body());

            // Its calls are counted with the rest.
            final String metrics = server.send(HttpRequest.newBuilder(server.uri("/metrics")).GET().build()).body();
            assertTrue(metrics.lines().anyMatch(line -> line.startsWith("courier_requests_requests_total{") &&
                                                        line.contains("EmbeddedRoutesTest") &&
                                                        line.contains("http_status=\"200\"")),
                       "no request metrics for the embedded route");

            // The services are still there.
            assertEquals(200, server.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}").statusCode());
        }
    }

    @Test
    void apiKeysGuardTheServicesButNotTheEmbeddedRoutes() {
        final GatewayConfig config = GatewayConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                                                  .apiKeys(List.of("an-embedding-test-key-01=ns")).build();
        try (RunningGateway server = RunningGateway.start(config, EmbeddedRoutesTest::echo)) {
            assertEquals(401, server.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}")
                                    .statusCode());
            // The application decides who may call its own routes.
            assertEquals(200, server.post("/threads/Threads/Echo", "{}").statusCode());
        }
    }

    /** Answers a POST with its own body, as JSON. */
    private static void echo(ServerBuilder sb) {
        sb.service("/threads/Threads/Echo", (ctx, req) -> com.linecorp.armeria.common.HttpResponse.of(
                req.aggregate().thenApply(body -> com.linecorp.armeria.common.HttpResponse.of(
                        HttpStatus.OK, MediaType.JSON_UTF_8, body.contentUtf8()))));
    }
}
