/**
 * The standalone Streams server, and what every standalone service server shares.
 */
package dev.courier.streams.server;
