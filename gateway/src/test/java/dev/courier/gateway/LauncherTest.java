package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code java -jar gateway.jar} sets up in its process before it serves. */
class LauncherTest {

    private static final Pattern SERVING = Pattern.compile("Serving gRPC, JSON and /docs on http://[^:]+:(\\d+)");

    @TempDir
    Path dataDir;

    @Test
    void setsTheProcessDefaultsButLetsTheCommandLineDecide() throws Exception {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process server = new ProcessBuilder(
                java.toString(), "-Dio.netty.leakDetection.level=simple",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString())
                .redirectErrorStream(true)
                .start();
        try {
            ServerProcesses.awaitPort(server, SERVING);
            final Process jcmd = new ProcessBuilder(java.resolveSibling("jcmd").toString(),
                                                    String.valueOf(server.pid()), "VM.system_properties")
                    .redirectErrorStream(true)
                    .start();
            final String properties = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS));

            assertTrue(properties.contains("\nh2.objectCache=false"), properties);
            assertTrue(properties.contains("\nio.grpc.netty.shaded.io.netty.leakDetection.level=disabled"), properties);
            assertTrue(properties.contains("\nio.netty.leakDetection.level=simple"), properties);
        } finally {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
