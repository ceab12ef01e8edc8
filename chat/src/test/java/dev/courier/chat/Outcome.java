package dev.courier.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.function.Executable;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * What one row of a validation table expects of its call: a response that passes a check, or an
 * error with a status code and an error id.
 *
 * @param <G> what the test set up before the call (a chat, say), handed to the check
 * @param <R> the response type of the call
 */
@FunctionalInterface
interface Outcome<G, R> {

    /** Makes the call and asserts what it yields. */
    void verify(G given, Supplier<R> call);

    /** The call succeeds and its response passes {@code check}. */
    static <G, R> Outcome<G, R> succeeds(BiConsumer<G, R> check) {
        return (given, call) -> check.accept(given, call.get());
    }

    /** The call fails with {@code code} and the error id {@code reason}. */
    static <G, R> Outcome<G, R> fails(Status.Code code, String reason) {
        return (given, call) -> assertFails(code, reason, call::get);
    }

    /** Asserts that {@code call} throws a status exception that {@link #assertError} accepts. */
    static void assertFails(Status.Code code, String reason, Executable call) {
        assertError(code, reason, assertThrows(StatusRuntimeException.class, call));
    }

    /**
     * Asserts that {@code error} has {@code code} and carries exactly one
     * {@code google.rpc.ErrorInfo}, of the chat domain, whose reason is {@code reason}.
     */
    static void assertError(Status.Code code, String reason, Throwable error) {
        assertNotNull(error, () -> "the call ended without an error; expected " + code + " " + reason);
        assertEquals(code, Status.fromThrowable(error).getCode(), () -> "status of " + error);
        final com.google.rpc.Status status = StatusProto.fromThrowable(error);
        assertNotNull(status, () -> "no status details in " + error);
        final List<ErrorInfo> errorInfos = status.getDetailsList().stream()
                                                 .filter(detail -> detail.is(ErrorInfo.class))
                                                 .map(Outcome::errorInfo)
                                                 .toList();
        assertEquals(1, errorInfos.size(), () -> "ErrorInfo details of " + status);
        assertEquals(reason, errorInfos.get(0).getReason());
        assertEquals("chat", errorInfos.get(0).getDomain());
    }

    private static ErrorInfo errorInfo(Any detail) {
        try {
            return detail.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("unreadable ErrorInfo", e);
        }
    }
}
