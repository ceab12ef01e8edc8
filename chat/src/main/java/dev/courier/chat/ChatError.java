package dev.courier.chat;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The errors of Chat. Each id is API that clients match on: it travels as
 * {@code google.rpc.ErrorInfo.reason} in the status details, and as {@code id} in JSON errors.
 * Never rename or reuse one.
 */
enum ChatError {
    MISSING_USER_IDS("chat.New.MissingUserIDs", Code.INVALID_ARGUMENT, "Missing user ids"),
    TOO_MANY_USER_IDS("chat.New.TooManyUserIDs", Code.INVALID_ARGUMENT,
                      "More than " + Limits.MAX_USERS + " user ids"),
    USER_ID_TOO_LONG("chat.New.UserIDTooLong", Code.INVALID_ARGUMENT,
                     "A user id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    MISSING_CHAT_ID("chat.Send.MissingChatID", Code.INVALID_ARGUMENT, "Missing chat id"),
    MISSING_USER_ID("chat.Send.MissingUserID", Code.INVALID_ARGUMENT, "Missing user id"),
    MISSING_TEXT("chat.Send.MissingText", Code.INVALID_ARGUMENT, "Missing text"),
    INVALID_CHAT_ID("chat.Send.InvalidChatID", Code.NOT_FOUND, "Chat not found"),
    FIELD_TOO_LONG("chat.Send.FieldTooLong", Code.INVALID_ARGUMENT,
                   "An id is longer than " + Limits.MAX_ID_BYTES + " bytes, the subject longer than " +
                   Limits.MAX_SUBJECT_BYTES + " bytes or the text longer than " + Limits.MAX_TEXT_BYTES +
                   " bytes"),
    HISTORY_MISSING_CHAT_ID("chat.History.MissingChatID", Code.INVALID_ARGUMENT, "Missing chat id"),
    HISTORY_INVALID_CHAT_ID("chat.History.InvalidChatID", Code.NOT_FOUND,
                            "Chat not found, or no message with the given before_id or after_id"),
    HISTORY_INVALID_PAGE("chat.History.InvalidPage", Code.INVALID_ARGUMENT,
                         "limit must be between 0 and " + Limits.MAX_PAGE +
                         ", and at most one of before_id and after_id is set"),
    CONNECT_MISSING_CHAT_ID("chat.Connect.MissingChatID", Code.INVALID_ARGUMENT,
                            "Missing chat id: set the chat-id metadata (chat_id on WebSocket)"),
    CONNECT_MISSING_USER_ID("chat.Connect.MissingUserID", Code.INVALID_ARGUMENT,
                            "Missing user id: set the user-id metadata (user_id on WebSocket)"),
    CONNECT_INVALID_CHAT_ID("chat.Connect.InvalidChatID", Code.NOT_FOUND, "Chat not found"),
    CONNECT_FIELD_TOO_LONG("chat.Connect.FieldTooLong", Code.INVALID_ARGUMENT,
                           "The chat id or user id is longer than " + Limits.MAX_ID_BYTES + " bytes"),
    SLOW_CONSUMER("chat.Connect.SlowConsumer", Code.RESOURCE_EXHAUSTED,
                  "The connection did not read its messages fast enough; reconnect and read History"),
    BUSY("chat.Busy", Code.RESOURCE_EXHAUSTED, "Too many requests waiting for the store; retry later"),
    SHUTTING_DOWN("chat.ShuttingDown", Code.UNAVAILABLE,
                  "The server is shutting down; connect again, to another node"),
    STORE_UNAVAILABLE("chat.StoreUnavailable", Code.UNAVAILABLE, "The store is out of reach; retry later"),
    BUS_UNAVAILABLE("chat.BusUnavailable", Code.UNAVAILABLE,
                    "Messages cannot be delivered right now; retry later"),
    STORAGE_ERROR("chat.StorageError", Code.INTERNAL, "The store failed; see the server log");

    private static final String DOMAIN = "chat";

    private final Status status;

    ChatError(String id, Code code, String description) {
        status = Status.newBuilder()
                       .setCode(code.getNumber())
                       .setMessage(description)
                       .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(id).setDomain(DOMAIN).build()))
                       .build();
    }

    /** Returns the exception that ends a call with this error. */
    StatusRuntimeException toException() {
        return StatusProto.toStatusRuntimeException(status);
    }
}
