package dev.courier.streams.bus;

/**
 * Thrown by {@link Bus#publish} when the bus cannot take a message now (its server is out of
 * reach); callers answer UNAVAILABLE, and the client may retry.
 */
public final class BusUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Returns an exception saying why. */
    public BusUnavailableException(String message) {
        super(message);
    }
}
