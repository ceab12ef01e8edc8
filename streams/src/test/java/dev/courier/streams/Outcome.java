package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Consumer;
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
 * @param <R> the response type of the call
 */
@FunctionalInterface
interface Outcome<R> {

    /** Makes the call and asserts what it yields. */
    void verify(Supplier<R> call);

    /** The call succeeds and its response passes {@code check}. */
    static <R> Outcome<R> succeeds(Consumer<R> check) {
        return call -> check.accept(call.get());
    }

    /** The call fails with {@code code} and the error id {@code reason}. */
    static <R> Outcome<R> fails(Status.Code code, String reason) {
        return call -> assertFails(code, reason, call::get);
    }

    /** Asserts that {@code call} throws the error {@code reason} with {@code code}. */
    static void assertFails(Status.Code code, String reason, Executable call) {
        assertError(code, reason, assertThrows(StatusRuntimeException.class, call));
    }

    /**
     * Asserts that {@code error} has {@code code} and carries exactly one
     * {@code google.rpc.ErrorInfo}, of the streams domain, whose reason is {@code reason}.
     */
    static void assertError(Status.Code code, String reason, Throwable error) {
        final StatusRuntimeException e = assertInstanceOf(StatusRuntimeException.class, error);
        assertEquals(code, e.getStatus().getCode(), () -> "status of " + e);
        final com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertNotNull(status, () -> "no status details in " + e);
        final List<ErrorInfo> errorInfos = status.getDetailsList().stream()
                                                 .filter(detail -> detail.is(ErrorInfo.class))
                                                 .map(Outcome::errorInfo)
                                                 .toList();
        assertEquals(1, errorInfos.size(), () -> "ErrorInfo details of " + status);
        assertEquals(reason, errorInfos.get(0).getReason());
        assertEquals("streams", errorInfos.get(0).getDomain());
    }

    private static ErrorInfo errorInfo(Any detail) {
        try {
            return detail.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("unreadable ErrorInfo", e);
        }
    }
}
