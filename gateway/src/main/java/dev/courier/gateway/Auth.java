package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.Set;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;

import dev.courier.streams.Tokens;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Who is calling, and in which namespace, for every call of every service over every transport
 * (JSON, Connect and WebSocket calls reach the services as gRPC calls with their request headers
 * as metadata, so they pass here too).
 *
 * <ul>
 *   <li>With API keys: a call needs {@code authorization: Bearer <key>} and runs in the key's
 *       namespace; a {@code micro-namespace} naming another is refused (PERMISSION_DENIED). Two
 *       streaming methods take the place of a browser that holds no key: Streams.Subscribe with
 *       the token in its request, and Chat.Connect with an unrestricted token in the
 *       {@code token} metadata (the {@code token} query parameter of a WebSocket).</li>
 *   <li>Without keys: every call is trusted and runs in the namespace {@code micro-namespace}
 *       names, {@code default} when it names none.</li>
 * </ul>
 * Health and reflection need no key. Keys and tokens are never logged.
 */
final class Auth implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> NAMESPACE_HEADER =
            Metadata.Key.of("micro-namespace", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    private static final Context.Key<String> NAMESPACE = Context.key("courier-namespace");
    private static final Context.Key<Boolean> HAS_KEY = Context.key("courier-has-key");

    private static final String SUBSCRIBE = "streams.Streams/Subscribe";
    private static final String CONNECT = "chat.Chat/Connect";
    private static final Set<String> OPEN_SERVICES = Set.of(
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private final Optional<ApiKeys> keys;
    private final Tokens tokens;

    Auth(Optional<ApiKeys> keys, Tokens tokens) {
        this.keys = requireNonNull(keys, "keys");
        this.tokens = requireNonNull(tokens, "tokens");
    }

    /** The namespace of the current call; null for a caller that holds neither key nor token yet. */
    static String namespace() {
        return NAMESPACE.get();
    }

    /** Whether the current call presented a valid API key. */
    static boolean hasKey() {
        return Boolean.TRUE.equals(HAS_KEY.get());
    }

    @Override
    public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                      ServerCallHandler<I, O> next) {
        final String method = call.getMethodDescriptor().getFullMethodName();
        if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        final String requested = headers.get(NAMESPACE_HEADER);
        if (requested != null && !Namespaces.isValid(requested)) {
            return refuse(call, Code.INVALID_ARGUMENT, "INVALID_NAMESPACE",
                          "micro-namespace: 1-64 of a-z, 0-9, '-', '_', starting with a letter or digit");
        }
        if (keys.isEmpty()) {
            return proceed(call, headers, next, requested != null ? requested : Namespaces.DEFAULT, false);
        }
        final String authorization = headers.get(AUTHORIZATION);
        final String namespace;
        final boolean hasKey;
        if (authorization != null) {
            final String key = bearer(authorization);
            final Optional<String> keyNamespace = key != null ? keys.get().namespaceOf(key) : Optional.empty();
            if (keyNamespace.isEmpty()) {
                return refuse(call, Code.UNAUTHENTICATED, "INVALID_API_KEY", "Unknown API key");
            }
            namespace = keyNamespace.get();
            hasKey = true;
        } else if (CONNECT.equals(method) && headers.get(TOKEN) != null) {
            final Optional<String> tokenNamespace = tokens.unrestrictedNamespace(headers.get(TOKEN));
            if (tokenNamespace.isEmpty()) {
                return refuse(call, Code.UNAUTHENTICATED, "INVALID_TOKEN",
                              "Invalid or expired token: get one, for no topic, from Streams.Token");
            }
            namespace = tokenNamespace.get();
            hasKey = false;
        } else if (SUBSCRIBE.equals(method)) {
            // The token in the request decides, in its own namespace.
            namespace = null;
            hasKey = false;
        } else {
            return refuse(call, Code.UNAUTHENTICATED, "MISSING_API_KEY",
                          "Missing API key: send authorization: Bearer <key>");
        }
        if (requested != null && namespace != null && !requested.equals(namespace)) {
            return refuse(call, Code.PERMISSION_DENIED, "FORBIDDEN_NAMESPACE",
                          "The credentials are not for namespace " + requested);
        }
        return proceed(call, headers, next, namespace, hasKey);
    }

    private static <I, O> ServerCall.Listener<I> proceed(ServerCall<I, O> call, Metadata headers,
                                                         ServerCallHandler<I, O> next, String namespace,
                                                         boolean hasKey) {
        final Context context = Context.current().withValue(NAMESPACE, namespace).withValue(HAS_KEY, hasKey);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The key of an {@code authorization: Bearer <key>} header; null for anything else. */
    static String bearer(String authorization) {
        final int space = authorization.indexOf(' ');
        if (space < 0 || !"bearer".equalsIgnoreCase(authorization.substring(0, space))) {
            return null;
        }
        final String key = authorization.substring(space + 1).strip();
        return key.isEmpty() ? null : key;
    }

    private static <I, O> ServerCall.Listener<I> refuse(ServerCall<I, O> call, Code code, String id,
                                                        String description) {
        final StatusRuntimeException error = StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                                     .setCode(code.getNumber())
                                     .setMessage(description)
                                     .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                                   .setReason(id)
                                                                   .setDomain("auth")
                                                                   .build()))
                                     .build());
        call.close(error.getStatus(), error.getTrailers());
        return new ServerCall.Listener<>() {};
    }
}
