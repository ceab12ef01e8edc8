/**
 * The Threads service: conversations grouped by topic, and their messages.
 */
package dev.courier.threads;
