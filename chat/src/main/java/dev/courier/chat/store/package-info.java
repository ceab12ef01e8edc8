/**
 * Where Chat keeps its chats and messages.
 */
package dev.courier.chat.store;
