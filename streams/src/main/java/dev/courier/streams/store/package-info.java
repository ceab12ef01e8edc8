/**
 * What Streams keeps in the database: the key that signs its tokens.
 */
package dev.courier.streams.store;
