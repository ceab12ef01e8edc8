package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The chat command line of the original docs, against a running gateway. */
class ChatCommandTest {

    @TempDir
    static Path dataDir;

    static RunningGateway server;

    @BeforeAll
    static void start() {
        server = RunningGateway.start(dataDir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run chat(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final String[] full = new String[args.length + 3];
        full[0] = "chat";
        full[1] = "--address";
        full[2] = "127.0.0.1:" + server.gateway.port();
        System.arraycopy(args, 0, full, 3, args.length);
        final int exitCode = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                                                       .execute(full);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void newSendAndHistoryPrintTheirJson() {
        final Run created = chat("new", "--user_ids=John,Barry");
        assertEquals(0, created.exitCode(), created.err());
        final Matcher chatId = Pattern.compile("\"chat_id\": \"([0-9a-f]+)\"").matcher(created.out());
        assertTrue(chatId.find(), created.out());
        assertEquals(created.out(), chat("new", "--user_ids=Barry", "--user_ids=John").out(),
                     "the same users give the same chat");

        final Run sent = chat("send", "--chat_id=" + chatId.group(1), "--user_id=John", "--subject=Hello",
                              "--text=Hey Barry");
        assertEquals(0, sent.exitCode(), sent.err());
        assertEquals("{\n}", sent.out().trim());

        final Run history = chat("history", "--chat_id=" + chatId.group(1));
        assertEquals(0, history.exitCode(), history.err());
        assertTrue(history.out().contains("\"text\": \"Hey Barry\""), history.out());
        assertTrue(history.out().contains("\"subject\": \"Hello\""), history.out());
        assertTrue(history.out().contains("\"user_id\": \"John\""), history.out());
    }

    @Test
    void errorsArePrintedAsJsonWithAFailingExitCode() {
        final Run failed = chat("send", "--chat_id=nope", "--user_id=John", "--text=hi");
        assertEquals(1, failed.exitCode());
        assertEquals("{\"id\":\"chat.Send.InvalidChatID\",\"code\":404,\"detail\":\"Chat not found\"," +
                     "\"status\":\"Not Found\"}", failed.err().trim());
    }
}
