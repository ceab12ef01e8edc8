package dev.courier.gateway;

/**
 * Thrown when the gateway cannot start, with a message that says why in terms of its settings.
 */
public final class GatewayStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    GatewayStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
