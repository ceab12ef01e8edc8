package dev.courier.bench;

import java.nio.file.Path;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.courier.gateway.AccessLog;
import dev.courier.gateway.Gateway;
import dev.courier.gateway.GatewayConfig;
import dev.courier.streams.server.ProcessDefaults;

/**
 * The gateway as {@link GatewayOverhead} measures it: started with the settings of
 * {@link Bench#startGateway}, with one more route, {@code POST /bench/Empty}, which reads a JSON
 * body and answers {@code {}}. It is a JSON call that does no work, on the same server, port and
 * decorators as the services: the ceiling of the stack for the JSON calls beside it.
 *
 * <p>{@code java -cp bench/target/bench.jar dev.courier.bench.CeilingGateway <port> <data-dir>}
 */
public final class CeilingGateway {

    static final String EMPTY_PATH = "/bench/Empty";

    private CeilingGateway() {}

    public static void main(String[] args) throws InterruptedException {
        ProcessDefaults.apply();
        final GatewayConfig config = GatewayConfig.builder()
                                                  .host("127.0.0.1")
                                                  .port(Integer.parseInt(args[0]))
                                                  .dataDir(Path.of(args[1]))
                                                  // BENCH_SERVER_OPTS=-Dbench.fsync=true measures --fsync.
                                                  .fsync(Boolean.getBoolean("bench.fsync"))
                                                  .streamQueueSize(Bench.STREAM_QUEUE_SIZE)
                                                  .accessLog(AccessLog.Mode.OFF)
                                                  .build();
        final Gateway gateway = Gateway.start(config, routes -> routes.route()
                                                                     .path(EMPTY_PATH)
                                                                     .methods(HttpMethod.POST)
                                                                     .consumes(MediaType.JSON)
                                                                     .build(CeilingGateway::empty));
        gateway.awaitShutdown();
    }

    /** Reads the whole body, as the JSON gateway does before it parses one, and answers {}. */
    private static HttpResponse empty(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate().thenApply(
                body -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{}")));
    }
}
