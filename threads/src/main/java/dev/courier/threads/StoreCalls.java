package dev.courier.threads;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.courier.threads.store.StoreException;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * How a call of the store ends an RPC: the same for every RPC, whether its call runs alone or in
 * a batch.
 */
final class StoreCalls {

    private static final Logger logger = LoggerFactory.getLogger(StoreCalls.class);

    /**
     * A blocking call of the store that yields the response of an RPC.
     *
     * @param <T> the response type
     */
    @FunctionalInterface
    interface Call<T> {

        /** Calls the store; throws a {@link StatusRuntimeException} to end the RPC with it. */
        T run();
    }

    private StoreCalls() {}

    /** Whether the client has given up on the RPC, so that the store need not be asked. */
    static boolean cancelled(StreamObserver<?> out) {
        return out instanceof ServerCallStreamObserver<?> rpc && rpc.isCancelled();
    }

    /**
     * Runs {@code call} and ends the RPC with its response, or with the error it failed with; a
     * store failure is logged, not sent.
     */
    static <T> void answer(StreamObserver<T> out, Call<T> call) {
        final T response;
        try {
            response = call.run();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (StoreException e) {
            logger.warn("A store call failed: {}", e.getMessage());
            out.onError((e.unavailable() ? ThreadsError.STORE_UNAVAILABLE : ThreadsError.STORAGE_ERROR)
                                .toException());
            return;
        } catch (RuntimeException e) {
            logger.warn("A store call failed", e);
            out.onError(ThreadsError.STORAGE_ERROR.toException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
