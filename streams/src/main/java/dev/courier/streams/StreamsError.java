package dev.courier.streams;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The errors of Streams. Each name is a stable id that clients match on: it travels as
 * {@code google.rpc.ErrorInfo.reason} in the status details, and as {@code id} in JSON errors.
 * Never rename or reuse one.
 */
enum StreamsError {
    MISSING_TOPIC(Code.INVALID_ARGUMENT, "Missing topic"),
    INVALID_TOPIC(Code.INVALID_ARGUMENT,
                  "Invalid topic: letters, digits, '-' and '_' in tokens separated by single dots, at most " +
                  Topics.MAX_LENGTH + " characters"),
    MISSING_MESSAGE(Code.INVALID_ARGUMENT, "Missing message"),
    MESSAGE_TOO_LONG(Code.INVALID_ARGUMENT, "The message is longer than " + Limits.MAX_MESSAGE_BYTES + " bytes"),
    MISSING_TOKEN(Code.INVALID_ARGUMENT, "Missing token: get one from Streams.Token"),
    INVALID_TOKEN(Code.PERMISSION_DENIED, "Invalid token"),
    EXPIRED_TOKEN(Code.PERMISSION_DENIED, "Expired token: get a new one from Streams.Token"),
    FORBIDDEN_TOPIC(Code.PERMISSION_DENIED, "The token is for another topic"),
    BUS_UNAVAILABLE(Code.UNAVAILABLE, "Messages cannot be delivered right now; retry later"),
    SHUTTING_DOWN(Code.UNAVAILABLE, "The server is shutting down; subscribe again, to another node"),
    SLOW_CONSUMER(Code.RESOURCE_EXHAUSTED,
                  "The subscriber did not read its messages fast enough; subscribe again");

    private static final String DOMAIN = "streams";

    private final Status status;

    StreamsError(Code code, String description) {
        status = Status.newBuilder()
                       .setCode(code.getNumber())
                       .setMessage(description)
                       .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(name()).setDomain(DOMAIN).build()))
                       .build();
    }

    /** Returns the exception that ends a call with this error. */
    StatusRuntimeException toException() {
        return StatusProto.toStatusRuntimeException(status);
    }
}
