/**
 * The gateway: one port serving gRPC, JSON and the documentation page, and the all-in-one
 * launcher that hosts the services in-process.
 */
package dev.courier.gateway;
