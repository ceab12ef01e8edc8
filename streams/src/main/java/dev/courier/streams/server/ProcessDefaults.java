package dev.courier.streams.server;

import java.util.Map;

/**
 * The system properties a server process of this project sets first thing in {@code main},
 * before the libraries that read them load: each one the command line has not set already, so
 * {@code -Dname=value} still decides.
 */
public final class ProcessDefaults {

    /**
     * <ul>
     *   <li>{@code h2.objectCache=false}: H2 keeps a cache of small values so that equal strings
     *       and numbers share one object, which saves memory on large results at the price of
     *       hashing every value a statement binds: 2% of the server's CPU on CreateMessage. H2
     *       reads the property once, as it loads.</li>
     *   <li>{@code io.netty.leakDetection.level=disabled}, and the same for the copy of Netty inside
     *       grpc-netty-shaded: Netty records where one buffer in 128 was allocated and touched, to
     *       report it should it never be released, at 1.8% of the server's CPU on CreateMessage.
     *       The tests run with it, as Netty sets it by default; {@code
     *       -Dio.netty.leakDetection.level=simple} turns it back on in a server.</li>
     * </ul>
     */
    static final Map<String, String> PROPERTIES = Map.of(
            "h2.objectCache", "false",
            "io.netty.leakDetection.level", "disabled",
            "io.grpc.netty.shaded.io.netty.leakDetection.level", "disabled");

    private ProcessDefaults() {}

    /** Sets each of {@link #PROPERTIES} that is not set yet. */
    public static void apply() {
        PROPERTIES.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
    }
}
