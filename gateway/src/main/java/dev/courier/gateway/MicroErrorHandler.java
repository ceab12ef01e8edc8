package dev.courier.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Renders the errors the server raises itself (an oversized body, a timeout, a failure of a
 * service) in the JSON form of {@link MicroError}, without stack traces. gRPC requests keep
 * their gRPC error responses.
 */
final class MicroErrorHandler implements ServerErrorHandler {

    private static final Logger logger = LoggerFactory.getLogger(MicroErrorHandler.class);

    private final int maxRequestBytes;

    MicroErrorHandler(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        if (isGrpc(ctx.request().headers())) {
            return null;
        }
        final Throwable peeled = Exceptions.peel(cause);
        if (peeled instanceof HttpStatusException) {
            final HttpStatus status = ((HttpStatusException) peeled).httpStatus();
            return MicroError.of(status, id(status), detail(status));
        }
        if (peeled instanceof ClosedSessionException || peeled instanceof ClosedStreamException) {
            // The client went away; nobody is left to answer.
            return MicroError.of(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", "The connection closed");
        }
        if (peeled instanceof ContentTooLargeException) {
            return MicroError.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE, id(HttpStatus.REQUEST_ENTITY_TOO_LARGE),
                                 detail(HttpStatus.REQUEST_ENTITY_TOO_LARGE));
        }
        logger.warn("Request to {} failed", ctx.path(), cause);
        return MicroError.of(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "Internal server error");
    }

    @Override
    public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config,
                                               RequestHeaders headers, HttpStatus status,
                                               String description, Throwable cause) {
        if (headers != null && isGrpc(headers)) {
            return null;
        }
        return MicroError.aggregated(status, id(status), detail(status));
    }

    private static boolean isGrpc(RequestHeaders headers) {
        final MediaType contentType = headers.contentType();
        return contentType != null && contentType.subtype().startsWith("grpc");
    }

    private static String id(HttpStatus status) {
        switch (status.code()) {
            case 404:
                return "NOT_FOUND";
            case 405:
                return "METHOD_NOT_ALLOWED";
            case 413:
                return "REQUEST_TOO_LARGE";
            case 503:
                return "UNAVAILABLE";
            default:
                return status.code() >= 500 ? "INTERNAL" : "BAD_REQUEST";
        }
    }

    private String detail(HttpStatus status) {
        if (status.code() == 413) {
            return MicroError.tooLarge(maxRequestBytes);
        }
        return status.reasonPhrase();
    }
}
