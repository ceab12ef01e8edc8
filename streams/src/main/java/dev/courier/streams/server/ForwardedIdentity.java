package dev.courier.streams.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Who a call is for, on a service that runs behind the gateway: the gateway has authenticated the
 * caller and names the namespace in {@code courier-namespace} (empty: a caller with a token only)
 * and whether it held an API key in {@code courier-has-key}. A call without those headers comes
 * from inside the deployment and is trusted, in the namespace {@code micro-namespace} names
 * ({@code default} when none). Service ports are for the gateway and the deployment's own
 * servers: never expose them.
 */
public final class ForwardedIdentity implements ServerInterceptor {

    /** The namespace the gateway decided on; empty for a caller without key or namespace. */
    public static final Metadata.Key<String> NAMESPACE =
            Metadata.Key.of("courier-namespace", Metadata.ASCII_STRING_MARSHALLER);
    /** Whether the caller presented an API key to the gateway ("true" or "false"). */
    public static final Metadata.Key<String> HAS_KEY =
            Metadata.Key.of("courier-has-key", Metadata.ASCII_STRING_MARSHALLER);

    private static final Metadata.Key<String> MICRO_NAMESPACE =
            Metadata.Key.of("micro-namespace", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CURRENT_NAMESPACE = Context.key("forwarded-namespace");
    private static final Context.Key<Boolean> CURRENT_HAS_KEY = Context.key("forwarded-has-key");

    /** The namespace of the current call; null for a caller with a token only. */
    public static String namespace() {
        return CURRENT_NAMESPACE.get();
    }

    /** Whether the current call's caller holds an API key. */
    public static boolean hasKey() {
        return Boolean.TRUE.equals(CURRENT_HAS_KEY.get());
    }

    @Override
    public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                      ServerCallHandler<I, O> next) {
        final String forwarded = headers.get(NAMESPACE);
        final String namespace;
        final boolean hasKey;
        if (forwarded == null) {
            final String named = headers.get(MICRO_NAMESPACE);
            namespace = named != null ? named : "default";
            hasKey = true;
        } else {
            namespace = forwarded.isEmpty() ? null : forwarded;
            hasKey = "true".equals(headers.get(HAS_KEY));
        }
        final Context context = Context.current()
                                       .withValue(CURRENT_NAMESPACE, namespace)
                                       .withValue(CURRENT_HAS_KEY, hasKey);
        return Contexts.interceptCall(context, call, headers, next);
    }
}
