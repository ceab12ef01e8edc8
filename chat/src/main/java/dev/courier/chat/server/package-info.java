/**
 * The standalone Chat server: the service alone on its own gRPC port.
 */
package dev.courier.chat.server;
