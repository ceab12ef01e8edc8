package dev.courier.gateway;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Joins the flushes of a connection made outside its reads into one system call.
 *
 * <p>The server's pipeline joins the flushes made while it handles what it has read, so that
 * answers written there leave together; a response completed on another thread (a store call's)
 * is written in an event loop task, and its flush went to the socket at once. At 64 CreateMessage
 * calls in flight that was one {@code writev} per response, where the empty endpoint made one per
 * twenty. Here such a flush waits for the tasks already queued on the loop, whose responses then
 * leave with it: one task later, not a timer.
 */
final class FlushBatching {

    private FlushBatching() {}

    /** Swaps the pipeline's flush consolidation for one that also joins flushes outside reads. */
    static void install(ChannelPipeline pipeline) {
        if (pipeline.get(FlushConsolidationHandler.class) != null) {
            pipeline.replace(FlushConsolidationHandler.class, null, new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
    }
}
