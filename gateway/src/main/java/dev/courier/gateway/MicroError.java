package dev.courier.gateway;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

/**
 * Errors in the JSON form clients of the original services know:
 * {@code {"id": "MISSING_GROUP_ID", "code": 400, "detail": "Missing GroupID", "status": "Bad Request"}},
 * with the HTTP status equal to {@code code}.
 */
final class MicroError {

    private static final Pattern EXCEPTION_PREFIX =
            Pattern.compile("^([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error): ");

    private MicroError() {}

    /** The id, HTTP status and detail of a gRPC status with its trailers. */
    static Described describe(Status status, Metadata trailers) {
        String id = status.getCode().name();
        final com.google.rpc.Status details =
                trailers != null ? StatusProto.fromStatusAndTrailers(status, trailers) : null;
        if (details != null) {
            for (Any detail : details.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        id = detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException ignored) {
                        // Keep the code name as the id.
                    }
                    break;
                }
            }
        }
        final String description = status.getDescription();
        return new Described(httpStatus(status.getCode()), id,
                             description != null ? description : status.getCode().name());
    }

    /** What a client is told of an error. */
    record Described(HttpStatus httpStatus, String id, String detail) {}

    /** Returns the response for an error of the gateway itself. */
    static HttpResponse of(HttpStatus status, String id, String detail) {
        return aggregated(status, id, detail).toHttpResponse();
    }

    /** Returns the aggregated response for an error of the gateway itself. */
    static AggregatedHttpResponse aggregated(HttpStatus status, String id, String detail) {
        return AggregatedHttpResponse.of(status, MediaType.JSON_UTF_8,
                                         json(status, id, detail).getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON body of an error. */
    static String json(HttpStatus status, String id, String detail) {
        final StringBuilder json = new StringBuilder(64 + detail.length());
        json.append("{\"id\":");
        quote(json, id);
        json.append(",\"code\":").append(status.code()).append(",\"detail\":");
        quote(json, detail);
        json.append(",\"status\":");
        quote(json, status.reasonPhrase());
        return json.append('}').toString();
    }

    /**
     * Describes why a request body could not be read, without the names of the parser's classes:
     * {@code "java.io.EOFException: End of input at line 1"} becomes {@code "End of input at line 1"}.
     */
    static String unreadable(Exception parseError) {
        final String message = String.valueOf(parseError.getMessage());
        return "Invalid request body: " + EXCEPTION_PREFIX.matcher(message).replaceFirst("");
    }

    /** The detail of a 413 response. */
    static String tooLarge(long maxRequestBytes) {
        return "The request body is larger than the limit of " + maxRequestBytes + " bytes";
    }

    /** The HTTP status that corresponds to a gRPC code. */
    static HttpStatus httpStatus(Status.Code code) {
        switch (code) {
            case OK:
                return HttpStatus.OK;
            case INVALID_ARGUMENT:
            case FAILED_PRECONDITION:
            case OUT_OF_RANGE:
                return HttpStatus.BAD_REQUEST;
            case UNAUTHENTICATED:
                return HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED:
                return HttpStatus.FORBIDDEN;
            case NOT_FOUND:
                return HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS:
            case ABORTED:
                return HttpStatus.CONFLICT;
            case RESOURCE_EXHAUSTED:
                return HttpStatus.TOO_MANY_REQUESTS;
            case UNIMPLEMENTED:
                return HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE:
                return HttpStatus.SERVICE_UNAVAILABLE;
            case DEADLINE_EXCEEDED:
                return HttpStatus.GATEWAY_TIMEOUT;
            default:
                return HttpStatus.INTERNAL_SERVER_ERROR;
        }
    }

    static void quote(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            switch (c) {
                case '"':
                    json.append("\\\"");
                    break;
                case '\\':
                    json.append("\\\\");
                    break;
                case '\n':
                    json.append("\\n");
                    break;
                case '\r':
                    json.append("\\r");
                    break;
                case '\t':
                    json.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
            }
        }
        json.append('"');
    }
}
