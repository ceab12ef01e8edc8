// A minimal WebSocket broadcast server, as teams write by hand: every text frame a client sends
// to /publish is sent to every client connected to /subscribe.
// Usage: node broadcast.js <port>
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 8090);
const server = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
const subscribers = new Set();

server.on('connection', (socket, request) => {
  if (request.url.startsWith('/publish')) {
    socket.on('message', (data, isBinary) => {
      for (const subscriber of subscribers) {
        if (subscriber.readyState === WebSocket.OPEN) {
          subscriber.send(data, { binary: isBinary });
        }
      }
    });
  } else {
    subscribers.add(socket);
    socket.on('close', () => subscribers.delete(socket));
  }
});
server.on('listening', () => console.log(`broadcast listening on ${port}`));
