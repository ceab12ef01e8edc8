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
        if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        final Caller caller;
        try {
            caller = identify(call.getMethodDescriptor().getFullMethodName(), headers);
        } catch (StatusRuntimeException e) {
            call.close(e.getStatus(), e.getTrailers());
            return new ServerCall.Listener<>() {};
        }
        final Context context = Context.current().withValue(NAMESPACE, caller.namespace())
                                       .withValue(HAS_KEY, caller.hasKey());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /**
     * Who calls a method with these headers.
     *
     * @throws StatusRuntimeException the error that ends the call, when the caller may not make it
     */
    Caller identify(String method, Metadata headers) {
        final String requested = headers.get(NAMESPACE_HEADER);
        if (requested != null && !Namespaces.isValid(requested)) {
            throw refusal(Code.INVALID_ARGUMENT, "INVALID_NAMESPACE",
                          "micro-namespace: 1-64 of a-z, 0-9, '-', '_', starting with a letter or digit");
        }
        if (keys.isEmpty()) {
            return new Caller(requested != null ? requested : Namespaces.DEFAULT, false);
        }
        final String authorization = headers.get(AUTHORIZATION);
        final Caller caller;
        if (authorization != null) {
            final String key = bearer(authorization);
            final Optional<String> keyNamespace = key != null ? keys.get().namespaceOf(key) : Optional.empty();
            if (keyNamespace.isEmpty()) {
                throw refusal(Code.UNAUTHENTICATED, "INVALID_API_KEY", "Unknown API key");
            }
            caller = new Caller(keyNamespace.get(), true);
        } else if (CONNECT.equals(method) && headers.get(TOKEN) != null) {
            final Optional<String> tokenNamespace = tokens.unrestrictedNamespace(headers.get(TOKEN));
            if (tokenNamespace.isEmpty()) {
                throw refusal(Code.UNAUTHENTICATED, "INVALID_TOKEN",
                              "Invalid or expired token: get one, for no topic, from Streams.Token");
            }
            caller = new Caller(tokenNamespace.get(), false);
        } else if (SUBSCRIBE.equals(method)) {
            // The token in the request decides, in its own namespace.
            caller = new Caller(null, false);
        } else {
            throw refusal(Code.UNAUTHENTICATED, "MISSING_API_KEY",
                          "Missing API key: send authorization: Bearer <key>");
        }
        if (requested != null && caller.namespace() != null && !requested.equals(caller.namespace())) {
            throw refusal(Code.PERMISSION_DENIED, "FORBIDDEN_NAMESPACE",
                          "The credentials are not for namespace " + requested);
        }
        return caller;
    }

    /**
     * Who a call comes from: its namespace (null for a Subscribe that its token decides) and
     * whether it presented an API key.
     */
    record Caller(String namespace, boolean hasKey) {}

    /** The key of an {@code authorization: Bearer <key>} header; null for anything else. */
    static String bearer(String authorization) {
        final int space = authorization.indexOf(' ');
        if (space < 0 || !"bearer".equalsIgnoreCase(authorization.substring(0, space))) {
            return null;
        }
        final String key = authorization.substring(space + 1).strip();
        return key.isEmpty() ? null : key;
    }

    private static StatusRuntimeException refusal(Code code, String id, String description) {
        return StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                                     .setCode(code.getNumber())
                                     .setMessage(description)
                                     .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                                   .setReason(id)
                                                                   .setDomain("auth")
                                                                   .build()))
                                     .build());
    }
}
