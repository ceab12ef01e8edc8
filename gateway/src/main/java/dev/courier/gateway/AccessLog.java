package dev.courier.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * One line per request, with the request's id: {@code req=… rpc=threads.Threads/ListMessages
 * protocol=h2c status=200 grpc=0 ms=3}. Never headers or query strings, which may carry keys and
 * tokens. Failed requests are logged at WARN; with {@code all}, every request at INFO.
 */
public final class AccessLog implements DecoratingHttpServiceFunction {

    private static final Logger logger = LoggerFactory.getLogger("courier.access");

    /** Which requests are logged. */
    public enum Mode {
        /** None. */
        OFF,
        /** Those that failed: HTTP status 400 and above, or a gRPC status other than OK. */
        ERRORS,
        /** Every request. */
        ALL
    }

    private final Mode mode;

    AccessLog(Mode mode) {
        this.mode = mode;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ctx.log().whenComplete().thenAccept(this::write);
        return delegate.serve(ctx, req);
    }

    private void write(RequestLog log) {
        final int status = log.responseHeaders().status().code();
        final String grpcStatus = log.responseTrailers().get("grpc-status",
                                                             log.responseHeaders().get("grpc-status", ""));
        final boolean failed = status >= 400 || (!grpcStatus.isEmpty() && !"0".equals(grpcStatus));
        if (!failed && mode != Mode.ALL) {
            return;
        }
        final String line = "req={} rpc={} path={} protocol={} status={} grpc={} ms={}";
        final Object[] fields = {
                log.context().id().shortText(), log.serviceName() + '/' + log.name(), log.context().path(),
                log.sessionProtocol() != null ? log.sessionProtocol().uriText() : "-", status,
                grpcStatus.isEmpty() ? "-" : grpcStatus, log.totalDurationNanos() / 1_000_000 };
        if (failed) {
            logger.warn(line, fields);
        } else {
            logger.info(line, fields);
        }
    }
}
