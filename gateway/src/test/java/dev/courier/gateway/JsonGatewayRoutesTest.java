package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;

import dev.courier.proto.threads.ListMessagesResponse;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ReadConversationResponse;
import dev.courier.proto.threads.ThreadsGrpc;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;

class JsonGatewayRoutesTest {

    private final ManagedChannel channel = InProcessChannelBuilder.forName("nothing-serves-this").build();

    @AfterEach
    void closeChannel() {
        channel.shutdownNow();
    }

    @Test
    void printsTheAnswersOfAMethodInThisProcessFromTheirFields() {
        // The services' descriptors as the gateway has them: the contracts' descriptor set.
        final List<ServiceDescriptor> contracts = Contracts.services();
        final ServerServiceDefinition threads = new ThreadsGrpc.ThreadsImplBase() {}.bindService();
        final JsonGateway gateway = JsonGateway.of(contracts, channel, Map.of(
                "threads.Threads/ListMessages", threads.getMethod("threads.Threads/ListMessages")));

        // Answers made in this process are of the generated classes, read through their getters.
        final ListMessagesResponse answer =
                ListMessagesResponse.newBuilder().addMessages(Message.newBuilder().setId("m1")).build();
        assertNotNull(gateway.printer("/threads/Threads/ListMessages").printDirectly(answer));

        // A forwarded method's answers are messages of the contracts' own descriptors.
        final JsonPrinter forwarded = gateway.printer("/threads/Threads/ReadConversation");
        final ServiceDescriptor service = contracts.stream().filter(s -> s.getFullName().equals("threads.Threads"))
                                                   .findFirst().orElseThrow();
        assertNotNull(forwarded.printDirectly(DynamicMessage.getDefaultInstance(
                service.findMethodByName("ReadConversation").getOutputType())));
        assertNull(forwarded.printDirectly(ReadConversationResponse.getDefaultInstance()));
    }
}
