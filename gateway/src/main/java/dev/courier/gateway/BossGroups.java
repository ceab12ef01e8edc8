package dev.courier.gateway;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;

/**
 * The thread that accepts a port's connections, as Armeria makes it, but ending as soon as the
 * server stops. Armeria stops it with Netty's {@code shutdownGracefully()}, which waits out a
 * quiet period of two seconds, although the port is closed by then and it has nothing left to do:
 * every stop of the gateway took two seconds longer than its requests needed. Armeria calls that
 * on the group its channel's loop belongs to, not on what a boss group factory returns, so only
 * a group of its own kind, whose {@code shutdownGracefully()} skips the wait, changes it.
 */
final class BossGroups {

    private BossGroups() {}

    /** A one-thread group named {@code name} on Armeria's transport; Armeria's own on other transports. */
    static EventLoopGroup of(String name) {
        final IoHandlerFactory handlers = switch (Flags.transportType()) {
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
            default -> null;
        };
        final ThreadFactory threads = task -> {
            final Thread thread = new FastThreadLocalThread(task, name);
            thread.setDaemon(false);
            return thread;
        };
        if (handlers == null) {
            return EventLoopGroups.newEventLoopGroup(1, threads);
        }
        return new MultiThreadIoEventLoopGroup(1, threads, handlers) {
            @Override
            public Future<?> shutdownGracefully() {
                return shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
        };
    }
}
