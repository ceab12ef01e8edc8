/**
 * The Streams service: publish to a topic, and every current subscriber of it receives the message.
 */
package dev.courier.streams;
