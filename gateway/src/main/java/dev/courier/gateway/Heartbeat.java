package dev.courier.gateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Finds a WebSocket client that vanished without closing: it is pinged at an interval, and given
 * up when it has sent nothing since the previous ping. Runs on the socket's event loop, where the
 * socket's inbound frames are read.
 */
final class Heartbeat {

    private final Runnable ping;
    private final Runnable giveUp;
    private boolean awaitingPong;

    private Heartbeat(Runnable ping, Runnable giveUp) {
        this.ping = ping;
        this.giveUp = giveUp;
    }

    /**
     * Starts pinging with {@code ping} until {@code socketClosed} completes; {@code giveUp} closes
     * a socket whose client has not answered.
     */
    static Heartbeat start(ServiceRequestContext ctx, Duration interval, CompletableFuture<?> socketClosed,
                           Runnable ping, Runnable giveUp) {
        final Heartbeat heartbeat = new Heartbeat(ping, giveUp);
        final ScheduledFuture<?> pings = ctx.eventLoop().scheduleAtFixedRate(
                heartbeat::beat, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        socketClosed.handle((unused, cause) -> pings.cancel(false));
        return heartbeat;
    }

    /** The client sent a frame, which shows it is alive. */
    void heard() {
        awaitingPong = false;
    }

    private void beat() {
        if (awaitingPong) {
            giveUp.run();
            return;
        }
        awaitingPong = true;
        ping.run();
    }
}
