package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;

/** FlushBatching: flushes outside a read wait for the loop's queued tasks and leave as one. */
class FlushBatchingTest {

    @Test
    void flushesOutsideAReadLeaveTogether() {
        final List<String> flushes = new ArrayList<>();
        final EmbeddedChannel channel = channel(flushes);
        FlushBatching.install(channel.pipeline());
        // Three responses completed in three tasks of the loop, as answers handed over from a
        // store thread are.
        for (int i = 0; i < 3; i++) {
            channel.eventLoop().execute(() -> channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})));
        }
        channel.runPendingTasks();
        channel.runPendingTasks();
        assertEquals(List.of("flush"), flushes);
        assertEquals(3, channel.outboundMessages().size());
        channel.finishAndReleaseAll();
    }

    @Test
    void withoutItEachFlushLeavesAtOnce() {
        final List<String> flushes = new ArrayList<>();
        final EmbeddedChannel channel = channel(flushes);
        for (int i = 0; i < 3; i++) {
            channel.eventLoop().execute(() -> channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})));
        }
        channel.runPendingTasks();
        assertEquals(List.of("flush", "flush", "flush"), flushes);
        channel.finishAndReleaseAll();
    }

    @Test
    void aPipelineWithoutConsolidationIsLeftAlone() {
        final EmbeddedChannel channel = new EmbeddedChannel();
        FlushBatching.install(channel.pipeline());
        assertNull(channel.pipeline().get(FlushConsolidationHandler.class));
        channel.finishAndReleaseAll();
    }

    /** A channel with the server's default consolidation, and a record of the flushes that pass it. */
    private static EmbeddedChannel channel(List<String> flushes) {
        return new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.add("flush");
                ctx.flush();
            }
        }, new FlushConsolidationHandler());
    }
}
