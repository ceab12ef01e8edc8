package dev.courier.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Servers the tests start as processes of their own. */
final class ServerProcesses {

    private ServerProcesses() {}

    /**
     * The port a server started with {@code --port 0} says it serves on, in the first group of
     * {@code serving} in a line of its output; the rest of its output is drained, so that it never
     * blocks on a full pipe. Fails after 60 s, or when the process ends first.
     */
    static int awaitPort(Process server, Pattern serving) throws Exception {
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final Thread reader = new Thread(() -> {
            final StringBuilder seen = new StringBuilder();
            try (BufferedReader output = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = output.readLine()) != null) {
                    if (!port.isDone()) {
                        seen.append(line).append('\n');
                        final Matcher matcher = serving.matcher(line);
                        if (matcher.find()) {
                            port.complete(Integer.parseInt(matcher.group(1)));
                        }
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
            port.completeExceptionally(new AssertionError("the server did not start:\n" + seen));
        });
        reader.setDaemon(true);
        reader.start();
        return port.get(60, TimeUnit.SECONDS);
    }
}
