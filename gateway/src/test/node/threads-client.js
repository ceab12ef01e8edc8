// A Node.js client generated at run time from proto/ alone: creates a conversation, writes a
// message and lists the messages, then prints what it got as JSON.
// Usage: node threads-client.js <proto root> <host:port>
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

const [protoRoot, address] = process.argv.slice(2);
const definition = protoLoader.loadSync(path.join(protoRoot, 'threads/threads.proto'), {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  defaults: true,
});
const { threads } = grpc.loadPackageDefinition(definition);
const client = new threads.Threads(address, grpc.credentials.createInsecure());

const call = (method, request) => new Promise((resolve, reject) =>
  client[method](request, { deadline: Date.now() + 10000 }, (err, response) => err ? reject(err) : resolve(response)));

(async () => {
  const { conversation } = await call('CreateConversation', { group_id: 'node', topic: 'from node' });
  await call('CreateMessage', { conversation_id: conversation.id, author_id: 'node', text: 'hello from node' });
  const listed = await call('ListMessages', { conversation_id: conversation.id, limit: { value: 10 } });
  let missing;
  try {
    await call('CreateConversation', { group_id: '', topic: 'x' });
  } catch (err) {
    missing = { code: err.code, details: err.details };
  }
  console.log(JSON.stringify({ conversation, messages: listed.messages, missing }));
  client.close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
