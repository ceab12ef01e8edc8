/**
 * The event bus that carries Chat and Streams messages from where they are accepted to every
 * connection that receives them.
 */
package dev.courier.streams.bus;
