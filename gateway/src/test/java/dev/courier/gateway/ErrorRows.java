package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;

/**
 * Checks one error row over both transports: JSON (micro error body and HTTP status) and gRPC
 * (status code and ErrorInfo reason), with the request written once, in JSON.
 */
final class ErrorRows {

    private ErrorRows() {}

    static void assertJsonError(RunningGateway server, String path, String body, int httpStatus, String id) {
        final HttpResponse<String> response = server.post(path, body);
        assertEquals(httpStatus, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{\"id\":\"" + id + "\",\"code\":" + httpStatus + ",\"detail\":\""),
                   response.body());
        assertTrue(response.body().contains("\"status\":\""), response.body());
    }

    static void assertGrpcError(RunningGateway server, MethodDescriptor method, String body, Status.Code code,
                                String id, String domain) throws InvalidProtocolBufferException {
        final DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
        JsonFormat.parser().merge(body, request);
        final io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod =
                io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                                        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                                        .setFullMethodName(method.getService().getFullName() + '/' +
                                                           method.getName())
                                        .setRequestMarshaller(ProtoUtils.marshaller(request.build()))
                                        .setResponseMarshaller(ProtoUtils.marshaller(
                                                DynamicMessage.getDefaultInstance(method.getOutputType())))
                                        .build();
        final StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () ->
                ClientCalls.blockingUnaryCall(server.channel, grpcMethod, CallOptions.DEFAULT, request.build()));
        assertEquals(code, error.getStatus().getCode());
        final com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(error);
        assertNotNull(details, "no status details");
        ErrorInfo info = null;
        for (Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                info = detail.unpack(ErrorInfo.class);
            }
        }
        assertNotNull(info, "no ErrorInfo in " + details);
        assertEquals(id, info.getReason());
        assertEquals(domain, info.getDomain());
    }
}
