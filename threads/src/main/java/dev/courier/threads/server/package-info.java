/**
 * The standalone Threads server: the service alone on its own gRPC port.
 */
package dev.courier.threads.server;
