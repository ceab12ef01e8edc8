package dev.courier.streams.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** LoopFanout: one bus subscription per subject and loop, bounded everywhere, never silent. */
class LoopFanoutTest {

    private static final StatusRuntimeException OVERFLOW = Status.RESOURCE_EXHAUSTED.asRuntimeException();
    private static final StatusRuntimeException CLOSED = Status.UNAVAILABLE.asRuntimeException();

    private final InProcessBus bus = new InProcessBus();
    private final LoopFanout fanout = new LoopFanout(bus, 4, OVERFLOW, CLOSED);
    private final Loop loopA = new Loop();
    private final Loop loopB = new Loop();

    @Test
    void membersOfASubjectOnOneLoopShareOneBusSubscription() {
        final List<Member> onA = List.of(new Member(), new Member(), new Member());
        final List<Member> onB = List.of(new Member(), new Member());
        onA.forEach(member -> fanout.join("s", loopA, member));
        onB.forEach(member -> fanout.join("s", loopB, member));
        loopA.runAll();
        loopB.runAll();
        assertEquals(2, bus.subscriptions());
        assertEquals(5, fanout.members());

        final byte[] first = {1};
        final byte[] second = {2};
        bus.publish("s", first);
        bus.publish("s", second);
        assertEquals(List.of(), onA.get(0).received, "delivered off the loop");
        assertEquals(1, loopA.tasks.size(), "one hand-off per loop, not one per member");
        loopA.runAll();
        loopB.runAll();
        assertEquals(1, onA.get(0).offers, "what waited is offered at once");
        for (Member member : List.of(onA.get(0), onA.get(1), onA.get(2), onB.get(0), onB.get(1))) {
            assertEquals(2, member.received.size());
            assertSame(first, member.received.get(0));
            assertSame(second, member.received.get(1));
            assertNull(member.error);
        }
    }

    @Test
    void theLastMemberToLeaveClosesTheBusSubscription() {
        final Bus.Subscription first = fanout.join("s", loopA, new Member());
        final Bus.Subscription second = fanout.join("s", loopA, new Member());
        loopA.runAll();
        first.close();
        first.close();
        loopA.runAll();
        assertEquals(1, bus.subscriptions());
        assertEquals(1, fanout.members());
        second.close();
        loopA.runAll();
        assertEquals(0, bus.subscriptions());
        assertEquals(0, fanout.members());

        final Member later = new Member();
        fanout.join("s", loopA, later);
        loopA.runAll();
        bus.publish("s", new byte[] {3});
        loopA.runAll();
        assertEquals(1, later.received.size(), "a later member starts a new group");
    }

    @Test
    void aMemberThatLeavesBeforeItsJoinRunsNeverSubscribes() {
        fanout.join("s", loopA, new Member()).close();
        loopA.runAll();
        assertEquals(0, bus.subscriptions());
        assertEquals(0, fanout.members());
    }

    @Test
    void aMemberWhoseBacklogIsFullIsEndedAndTheOthersGoOn() {
        final Member full = new Member();
        full.takes = 1;
        final Member reader = new Member();
        fanout.join("s", loopA, full);
        fanout.join("s", loopA, reader);
        loopA.runAll();
        final long overflows = Outbox.overflows();
        bus.publish("s", new byte[] {0});
        loopA.runAll();
        bus.publish("s", new byte[] {1});
        bus.publish("s", new byte[] {2});
        loopA.runAll();
        assertEquals(1, full.received.size());
        assertSame(OVERFLOW, full.error);
        assertEquals(3, reader.received.size());
        assertNull(reader.error);
        assertEquals(overflows + 1, Outbox.overflows());
        assertEquals(1, fanout.members());
    }

    @Test
    void aLoopThatFallsBehindEndsItsMembersWithTheOverflowError() {
        final Member onA = new Member();
        final Member onB = new Member();
        fanout.join("s", loopA, onA);
        fanout.join("s", loopB, onB);
        loopA.runAll();
        loopB.runAll();
        for (int i = 0; i < 5; i++) {
            bus.publish("s", new byte[] {(byte) i});
            loopB.runAll();
        }
        loopA.runAll();
        assertSame(OVERFLOW, onA.error);
        assertEquals(List.of(), onA.received, "past the bound, the queue is dropped, not delivered late");
        assertEquals(5, onB.received.size());
        assertNull(onB.error);
        assertEquals(1, bus.subscriptions());
    }

    @Test
    void closingTheBusEndsEveryMember() {
        final Member member = new Member();
        fanout.join("s", loopA, member);
        loopA.runAll();
        bus.close();
        loopA.runAll();
        assertSame(CLOSED, member.error);
        assertEquals(0, fanout.members());
    }

    @Test
    void aBusThatCannotSubscribeEndsTheMember() {
        final Bus broken = new Bus() {
            @Override
            public void publish(String subject, byte[] payload) {}

            @Override
            public Subscription subscribe(String subject, Listener listener) {
                throw new BusUnavailableException("down");
            }

            @Override
            public int subscriptions() {
                return 0;
            }

            @Override
            public void close() {}
        };
        final Member member = new Member();
        new LoopFanout(broken, 4, OVERFLOW, CLOSED).join("s", loopA, member);
        loopA.runAll();
        assertSame(CLOSED, member.error);
    }

    /** An event loop whose tasks run when the test says. */
    private static final class Loop implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    private static final class Member implements LoopFanout.Member {
        final List<byte[]> received = new ArrayList<>();
        int takes = Integer.MAX_VALUE;
        int offers;
        StatusRuntimeException error;

        @Override
        public boolean offer(List<byte[]> payloads) {
            if (received.size() + payloads.size() > takes) {
                return false;
            }
            received.addAll(payloads);
            offers++;
            return true;
        }

        @Override
        public void end(StatusRuntimeException error) {
            assertNull(this.error, "ended twice");
            this.error = error;
        }
    }
}
