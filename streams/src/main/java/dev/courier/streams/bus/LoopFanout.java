package dev.courier.streams.bus;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.StatusRuntimeException;

/**
 * Subscribers that live on event loops, fed from the bus one loop at a time. The subscribers of a
 * subject on one loop share one bus subscription: a payload is handed to the loop once, and the
 * loop gives it to each of its subscribers in turn, in one task. Publishing costs one hand-off per
 * loop instead of one per subscriber, and the delivery work runs on the subscribers' own loops, in
 * parallel, not on the publisher's thread.
 *
 * <p>A loop's queue of payloads is bounded: when a loop falls that far behind, its subscribers of
 * the subject are ended with the overflow error, as a subscriber is whose own backlog is full.
 * Loss is never silent.
 */
public final class LoopFanout {

    private final Bus bus;
    private final int capacity;
    private final StatusRuntimeException overflow;
    private final StatusRuntimeException closed;
    private final ConcurrentHashMap<Executor, Map<String, Group>> loops = new ConcurrentHashMap<>();
    private final AtomicInteger members = new AtomicInteger();

    /**
     * Returns a fan-out over the bus whose loops hold at most {@code capacity} payloads each,
     * ending subscribers with {@code overflow} when one is full and with {@code closed} when the
     * bus closes.
     */
    public LoopFanout(Bus bus, int capacity, StatusRuntimeException overflow, StatusRuntimeException closed) {
        this.bus = requireNonNull(bus, "bus");
        this.overflow = requireNonNull(overflow, "overflow");
        this.closed = requireNonNull(closed, "closed");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /**
     * Subscribes a member living on {@code loop}, an executor that runs its tasks one at a time on
     * one thread (a Netty event loop). The member is called on that loop only.
     */
    public Bus.Subscription join(String subject, Executor loop, Member member) {
        requireNonNull(subject, "subject");
        requireNonNull(loop, "loop");
        requireNonNull(member, "member");
        final Membership membership = new Membership(subject, loop, member);
        members.incrementAndGet();
        loop.execute(membership::join);
        return membership;
    }

    /** The members subscribed now, on every loop. */
    public int members() {
        return members.get();
    }

    /** A subscriber on a loop. */
    public interface Member {

        /**
         * Takes the payloads that waited, in order, or returns false when its backlog is full: it
         * is then ended with the overflow error. The list is only valid during the call.
         */
        boolean offer(List<byte[]> payloads);

        /** Ends the member with an error; nothing follows. */
        void end(StatusRuntimeException error);
    }

    private final class Membership implements Bus.Subscription {

        private final String subject;
        private final Executor loop;
        private final Member member;
        private final AtomicBoolean left = new AtomicBoolean();
        // Read and written on the loop only.
        private Group group;

        Membership(String subject, Executor loop, Member member) {
            this.subject = subject;
            this.loop = loop;
            this.member = member;
        }

        void join() {
            if (left.get()) {
                return;
            }
            final Map<String, Group> groups = loops.computeIfAbsent(loop, unused -> new HashMap<>());
            Group target = groups.get(subject);
            if (target == null) {
                target = new Group(subject, loop, groups);
                groups.put(subject, target);
                try {
                    target.subscription = bus.subscribe(subject, target);
                } catch (RuntimeException e) {
                    groups.remove(subject);
                    left.set(true);
                    members.decrementAndGet();
                    member.end(closed);
                    return;
                }
            }
            group = target;
            target.members.add(this);
        }

        @Override
        public void close() {
            if (left.compareAndSet(false, true)) {
                members.decrementAndGet();
                loop.execute(this::leave);
            }
        }

        /** Leaves the group, on the loop; the last one out closes the group's bus subscription. */
        void leave() {
            if (group != null) {
                group.remove(this);
                group = null;
            }
        }

        /** Ends the member from within its group's task, on the loop. */
        void end(StatusRuntimeException error) {
            if (left.compareAndSet(false, true)) {
                members.decrementAndGet();
                group = null;
                member.end(error);
            }
        }
    }

    /** The members of one subject on one loop, and the payloads waiting for them. */
    private final class Group implements Bus.Listener {

        private final String subject;
        private final Executor loop;
        private final Map<String, Group> groups;
        private final List<Membership> members = new ArrayList<>();
        private final ConcurrentLinkedQueue<byte[]> inbox = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final List<byte[]> batch = new ArrayList<>();
        private volatile StatusRuntimeException failure;
        private Bus.Subscription subscription;

        Group(String subject, Executor loop, Map<String, Group> groups) {
            this.subject = subject;
            this.loop = loop;
            this.groups = groups;
        }

        @Override
        public void onPayload(byte[] payload) {
            if (failure != null) {
                return;
            }
            if (queued.incrementAndGet() > capacity) {
                Outbox.countOverflow();
                failure = overflow;
            } else {
                inbox.add(payload);
            }
            schedule();
        }

        @Override
        public void onBusClosed() {
            failure = closed;
            schedule();
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                loop.execute(this::drain);
            }
        }

        /** Gives each waiting payload to every member, on the loop. */
        private void drain() {
            scheduled.set(false);
            final StatusRuntimeException error = failure;
            if (error != null) {
                endAll(error);
                return;
            }
            // What waits goes to one member after the other, not one payload after the other: a
            // member can send it all in one write, and its client read it in one go.
            byte[] payload;
            while ((payload = inbox.poll()) != null) {
                batch.add(payload);
            }
            queued.addAndGet(-batch.size());
            for (int i = 0; i < members.size(); i++) {
                final Membership membership = members.get(i);
                if (!membership.member.offer(batch)) {
                    Outbox.countOverflow();
                    members.remove(i--);
                    membership.end(overflow);
                }
            }
            batch.clear();
            if (members.isEmpty()) {
                release();
            }
        }

        private void endAll(StatusRuntimeException error) {
            final List<Membership> ended = new ArrayList<>(members);
            members.clear();
            release();
            ended.forEach(membership -> membership.end(error));
        }

        void remove(Membership membership) {
            members.remove(membership);
            if (members.isEmpty()) {
                release();
            }
        }

        /** Drops the group once it has no member; a later member starts a new one. */
        private void release() {
            if (groups.get(subject) == this) {
                groups.remove(subject);
                subscription.close();
                inbox.clear();
            }
        }
    }
}
