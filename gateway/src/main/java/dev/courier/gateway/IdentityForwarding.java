package dev.courier.gateway;

import dev.courier.streams.server.ForwardedIdentity;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Tells a service on its own server who a forwarded call is for: the namespace and key
 * status {@link Auth} established, in the headers of {@link ForwardedIdentity}. The caller's own
 * API key goes no further than this gateway.
 */
final class IdentityForwarding implements ClientInterceptor {

    @Override
    public <I, O> ClientCall<I, O> interceptCall(MethodDescriptor<I, O> method, CallOptions callOptions,
                                               Channel next) {
        // Read now, on the thread of the intercepted server call, where Auth's context is current.
        final String namespace = Auth.namespace();
        final boolean hasKey = Auth.hasKey();
        return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
            @Override
            public void start(Listener<O> listener, Metadata headers) {
                headers.removeAll(Auth.AUTHORIZATION);
                headers.removeAll(ForwardedIdentity.NAMESPACE);
                headers.removeAll(ForwardedIdentity.HAS_KEY);
                headers.put(ForwardedIdentity.NAMESPACE, namespace != null ? namespace : "");
                headers.put(ForwardedIdentity.HAS_KEY, String.valueOf(hasKey));
                super.start(listener, headers);
            }
        };
    }
}
