package dev.courier.gateway;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.SendRequest;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The chat command line of the original docs, against a running server:
 * {@code chat new --user_ids=John,Barry}, {@code chat send --chat_id=… --user_id=John --text='Hey'},
 * {@code chat history --chat_id=…}. Prints the JSON response, or the JSON error and exits with 1.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
         description = "Calls Chat on a running server and prints the JSON response.",
         subcommands = { ChatCommand.New.class, ChatCommand.Send.class, ChatCommand.History.class })
final class ChatCommand {

    private static final JsonFormat.Printer printer = JsonFormat.printer()
                                                               .preservingProtoFieldNames()
                                                               .alwaysPrintFieldsWithNoPresence();

    @Spec
    CommandSpec spec;

    @Option(names = "--address", defaultValue = "${env:COURIER_ADDRESS:-localhost:8080}",
            description = "host:port of the server (env COURIER_ADDRESS; default ${DEFAULT-VALUE}).")
    String address;

    private int call(GrpcCall call) {
        final ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        try {
            out.println(printer.print(call.run(ChatGrpc.newBlockingStub(channel)
                                                       .withDeadlineAfter(30, TimeUnit.SECONDS))));
            out.flush();
            return 0;
        } catch (StatusRuntimeException e) {
            final MicroError.Described error = MicroError.describe(e.getStatus(), e.getTrailers());
            err.println(MicroError.json(error.httpStatus(), error.id(), error.detail()));
            err.flush();
            return 1;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        } finally {
            channel.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface GrpcCall {
        MessageOrBuilder run(ChatGrpc.ChatBlockingStub chat);
    }

    @Command(name = "new", mixinStandardHelpOptions = true, description = "Returns the chat of a set of users.")
    static final class New implements Callable<Integer> {

        @ParentCommand
        ChatCommand parent;

        @Option(names = "--user_ids", split = ",", required = true,
                description = "The users, comma-separated or repeated.")
        List<String> userIds;

        @Override
        public Integer call() {
            return parent.call(chat -> chat.new_(NewRequest.newBuilder().addAllUserIds(userIds).build()));
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Sends a message into a chat.")
    static final class Send implements Callable<Integer> {

        @ParentCommand
        ChatCommand parent;

        @Option(names = "--chat_id", required = true, description = "The chat.")
        String chatId;

        @Option(names = "--user_id", required = true, description = "Who sends.")
        String userId;

        @Option(names = "--text", required = true, description = "The text.")
        String text;

        @Option(names = "--subject", defaultValue = "", description = "An optional subject.")
        String subject;

        @Option(names = "--client_id", defaultValue = "",
                description = "An optional id that makes retries safe.")
        String clientId;

        @Override
        public Integer call() {
            return parent.call(chat -> chat.send(SendRequest.newBuilder()
                                                            .setChatId(chatId)
                                                            .setUserId(userId)
                                                            .setText(text)
                                                            .setSubject(subject)
                                                            .setClientId(clientId)
                                                            .build()));
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Lists the messages of a chat.")
    static final class History implements Callable<Integer> {

        @ParentCommand
        ChatCommand parent;

        @Option(names = "--chat_id", required = true, description = "The chat.")
        String chatId;

        @Override
        public Integer call() {
            return parent.call(chat -> chat.history(HistoryRequest.newBuilder().setChatId(chatId).build()));
        }
    }
}
