package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.TokenRequest;

/**
 * The README's browser snippet in a real browser: headless Chromium, on a page of another origin,
 * subscribes with a token and shows a published message.
 */
class BrowserTest {

    @TempDir
    Path dataDir;

    @Test
    void aBrowserSubscribesWithATokenAndReceives() throws Exception {
        final Path clients = External.nodeClients();
        final Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        External.require(Files.isExecutable(chromium), "Chromium is not installed: apt-get install chromium");
        try (RunningGateway server = RunningGateway.start(dataDir)) {
            final var streams = StreamsGrpc.newBlockingStub(server.channel);
            final String token = streams.token(TokenRequest.newBuilder().setTopic("news").build()).getToken();
            final Process browser = new ProcessBuilder("node", clients.resolve("browser-subscribe.js").toString(),
                                                       String.valueOf(server.gateway.port()), "news", token)
                    .directory(clients.toFile())
                    .redirectErrorStream(true)
                    .start();
            // Publish until the page, once it has subscribed, has shown a message and the browser exits.
            final AtomicBoolean done = new AtomicBoolean();
            final Thread publisher = new Thread(() -> {
                while (!done.get()) {
                    streams.publish(Message.newBuilder().setTopic("news").setMessage("{\"headline\":\"Hello\"}")
                                           .build());
                    try {
                        TimeUnit.MILLISECONDS.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            publisher.start();
            try {
                assertTrue(browser.waitFor(60, TimeUnit.SECONDS), "the browser did not finish");
            } finally {
                done.set(true);
                publisher.join(5000);
            }
            final String shown = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, browser.exitValue(), shown);
            assertTrue(shown.startsWith("received news {\"headline\":\"Hello\"} 20"), shown);
        }
    }
}
