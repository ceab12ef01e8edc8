/**
 * The Chat service: chats between users, with a live bidirectional stream.
 */
package dev.courier.chat;
