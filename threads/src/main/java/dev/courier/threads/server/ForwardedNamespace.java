package dev.courier.threads.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * The namespace of a call to the standalone server: the one the gateway authenticated and names in
 * {@code courier-namespace}, or, for a call from inside the deployment, the one
 * {@code micro-namespace} names ({@code default} when none). The port is for the gateway and the
 * deployment's own servers: never expose it.
 */
final class ForwardedNamespace implements ServerInterceptor {

    private static final Metadata.Key<String> FORWARDED =
            Metadata.Key.of("courier-namespace", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> NAMED =
            Metadata.Key.of("micro-namespace", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CURRENT = Context.key("forwarded-namespace");

    static String current() {
        return CURRENT.get();
    }

    @Override
    public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                      ServerCallHandler<I, O> next) {
        String namespace = headers.get(FORWARDED);
        if (namespace == null || namespace.isEmpty()) {
            namespace = headers.get(NAMED);
        }
        final Context context = Context.current().withValue(CURRENT, namespace != null ? namespace : "default");
        return Contexts.interceptCall(context, call, headers, next);
    }
}
