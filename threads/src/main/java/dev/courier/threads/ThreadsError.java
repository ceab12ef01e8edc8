package dev.courier.threads;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The errors of Threads. Each name is a stable id that clients match on: it travels as
 * {@code google.rpc.ErrorInfo.reason} in the status details, and as {@code id} in JSON errors.
 * Never rename or reuse one.
 */
enum ThreadsError {
    MISSING_ID(Code.INVALID_ARGUMENT, "Missing ID"),
    MISSING_GROUP_ID(Code.INVALID_ARGUMENT, "Missing GroupID"),
    MISSING_TOPIC(Code.INVALID_ARGUMENT, "Missing Topic"),
    MISSING_AUTHOR_ID(Code.INVALID_ARGUMENT, "Missing AuthorID"),
    MISSING_TEXT(Code.INVALID_ARGUMENT, "Missing Text"),
    MISSING_CONVERSATION_ID(Code.INVALID_ARGUMENT, "Missing ConversationID"),
    MISSING_CONVERSATION_IDS(Code.INVALID_ARGUMENT, "Missing ConversationIDs"),
    ID_TOO_LONG(Code.INVALID_ARGUMENT,
                "id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    GROUP_ID_TOO_LONG(Code.INVALID_ARGUMENT,
                      "group_id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    AUTHOR_ID_TOO_LONG(Code.INVALID_ARGUMENT,
                       "author_id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    CONVERSATION_ID_TOO_LONG(Code.INVALID_ARGUMENT,
                             "conversation_id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    TOPIC_TOO_LONG(Code.INVALID_ARGUMENT,
                   "topic is longer than " + Limits.MAX_TOPIC_BYTES + " bytes"),
    TEXT_TOO_LONG(Code.INVALID_ARGUMENT,
                  "text is longer than " + Limits.MAX_TEXT_BYTES + " bytes"),
    TOO_MANY_CONVERSATION_IDS(Code.INVALID_ARGUMENT,
                              "more than " + Limits.MAX_CONVERSATION_IDS + " conversation_ids"),
    INVALID_LIMIT(Code.INVALID_ARGUMENT,
                  "limit must be between 0 and " + Limits.MAX_PAGE + " (0 means " +
                  Limits.DEFAULT_PAGE + ")"),
    NOT_FOUND(Code.NOT_FOUND, "Conversation not found"),
    BUSY(Code.RESOURCE_EXHAUSTED, "Too many requests waiting for the store; retry later"),
    STORE_UNAVAILABLE(Code.UNAVAILABLE, "The store is out of reach; retry later"),
    STORAGE_ERROR(Code.INTERNAL, "The store failed; see the server log");

    private static final String DOMAIN = "threads";

    private final Status status;

    ThreadsError(Code code, String description) {
        status = Status.newBuilder()
                       .setCode(code.getNumber())
                       .setMessage(description)
                       .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                     .setReason(name())
                                                     .setDomain(DOMAIN)
                                                     .build()))
                       .build();
    }

    /** Returns the exception that ends a call with this error. */
    StatusRuntimeException toException() {
        return StatusProto.toStatusRuntimeException(status);
    }
}
