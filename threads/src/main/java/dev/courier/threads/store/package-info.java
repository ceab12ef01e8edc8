/**
 * Where Threads keeps its conversations and messages.
 */
package dev.courier.threads.store;
