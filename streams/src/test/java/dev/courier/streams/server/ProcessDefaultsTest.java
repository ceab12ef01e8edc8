package dev.courier.streams.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcessDefaultsTest {

    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void saveProperties() {
        ProcessDefaults.PROPERTIES.keySet().forEach(name -> saved.put(name, System.getProperty(name)));
    }

    @AfterEach
    void restoreProperties() {
        saved.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    @Test
    void setsWhatTheCommandLineLeftUnsetAndKeepsTheRest() {
        ProcessDefaults.PROPERTIES.keySet().forEach(System::clearProperty);
        System.setProperty("io.netty.leakDetection.level", "paranoid");

        ProcessDefaults.apply();

        assertEquals("paranoid", System.getProperty("io.netty.leakDetection.level"));
        assertEquals("false", System.getProperty("h2.objectCache"));
        assertEquals("disabled", System.getProperty("io.grpc.netty.shaded.io.netty.leakDetection.level"));
    }
}
