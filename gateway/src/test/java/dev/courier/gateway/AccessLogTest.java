package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** The access log: a line per failed request with its id, and never a key or token. */
class AccessLogTest {

    @TempDir
    Path dataDir;

    @Test
    void failedRequestsAreLoggedWithTheirIdAndWithoutSecrets() throws Exception {
        final Logger access = (Logger) LoggerFactory.getLogger("courier.access");
        final ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        access.addAppender(lines);
        try (RunningGateway server = RunningGateway.start(GatewayConfig.builder().host("127.0.0.1").port(0)
                                                                       .dataDir(dataDir).dbPoolSize(2)
                                                                       .apiKeys(List.of("a-secret-api-key-0123=ns"))
                                                                       .build())) {
            assertEquals(200, server.post("/threads/Threads/ListConversations", "{\"group_id\":\"g\"}",
                                          "Authorization", "Bearer a-secret-api-key-0123").statusCode());
            assertEquals(401, server.post("/threads/Threads/ListConversations?token=a-secret-token",
                                          "{\"group_id\":\"g\"}", "Authorization", "Bearer wrong-secret-key-0123")
                                    .statusCode());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lines.list.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "nothing was logged");
                TimeUnit.MILLISECONDS.sleep(10);
            }
        } finally {
            access.detachAppender(lines);
        }
        final List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage)
                                              .collect(Collectors.toList());
        assertEquals(1, logged.size(), "only the failed request: " + logged);
        final String line = logged.get(0);
        assertTrue(line.matches("req=\\w+ rpc=threads\\.Threads/ListConversations path=/threads/Threads/" +
                                "ListConversations protocol=\\w+ status=401 grpc=- ms=\\d+"), line);
        assertFalse(line.contains("secret"), line);
    }
}
