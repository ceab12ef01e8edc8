package dev.courier.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;

/**
 * Which WebSocket upgrades are let in: every client that sends no Origin header (CLI tools,
 * native and server-side clients, which browsers' cross-site rules do not concern), and browsers
 * whose origin is allowed by {@link GatewayConfig#allowedOrigins()}.
 */
final class OriginCheck {

    private OriginCheck() {}

    static boolean allows(GatewayConfig config, RequestHeaders headers) {
        final String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null || origin.isEmpty() || config.anyOrigin()) {
            return true;
        }
        for (String allowed : config.allowedOrigins()) {
            if (allowed.equalsIgnoreCase(origin)) {
                return true;
            }
        }
        return false;
    }
}
