package dev.courier.threads;

import java.time.Instant;

import com.google.protobuf.Timestamp;

/** Instants as whole microseconds since the epoch, the resolution Threads stores. */
final class Micros {

    static long of(Timestamp timestamp) {
        return timestamp.getSeconds() * 1_000_000L + timestamp.getNanos() / 1000;
    }

    static long of(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private Micros() {}
}
