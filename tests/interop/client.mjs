// An independent MCP client: the official TypeScript SDK over streamable HTTP, as the desktop and
// IDE hosts use it. Run by tests/interop/test_typescript_sdk.py.
//
//   node client.mjs '{"url": "http://127.0.0.1:9090/mcp", "answer": "accept", "delete": ["c1"]}'
//
// answer: "accept" (ticks confirm), "accept-unticked", "decline", "cancel", or "none" (declares no
// elicitation capability). It connects, lists the tools, calls delete-customer for each id, ends
// the session (DELETE /mcp) and prints one JSON object: the protocol version and session id it
// got, the questions it was asked, each result, and the status of a call sent afterwards with
// the ended session's id. With "oauth": {"clientId", "clientSecret", "issuer"} it signs in by
// itself (the SDK's client-credentials provider: discovery from the server's 401, then a token).
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const args = JSON.parse(process.argv[2]);
const answer = args.answer ?? "none";
const capabilities = answer === "none" ? {} : { elicitation: { form: {} } };
const client = new Client({ name: "togai-interop", version: "1.0.0" }, { capabilities });
const questions = [];
if (answer !== "none") {
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    questions.push({ message: request.params.message, schema: request.params.requestedSchema });
    if (answer === "accept") return { action: "accept", content: { confirm: true } };
    if (answer === "accept-unticked") return { action: "accept", content: { confirm: false } };
    return { action: answer };
  });
}
const headers = args.headers ?? {};
const authProvider = args.oauth
  ? new ClientCredentialsProvider({
      clientId: args.oauth.clientId,
      clientSecret: args.oauth.clientSecret,
      expectedIssuer: args.oauth.issuer,
    })
  : undefined;
const transport = new StreamableHTTPClientTransport(new URL(args.url), {
  requestInit: { headers },
  authProvider,
});
await client.connect(transport);
const out = {
  protocolVersion: transport.protocolVersion,
  sessionId: transport.sessionId ?? null,
  tools: (await client.listTools()).tools.map((tool) => tool.name),
  questions,
  results: [],
};
for (const id of args.delete ?? []) {
  out.results.push(
    await client.callTool({ name: "delete-customer", arguments: { customer_id: id } }),
  );
}
const ended = transport.sessionId;
await transport.terminateSession();
await client.close();
if (ended) {
  // The ended session's id, once more: the server must not know it any longer.
  const response = await fetch(args.url, {
    method: "POST",
    headers: {
      ...headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": ended,
      "mcp-protocol-version": out.protocolVersion,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" }),
  });
  out.afterEnd = response.status;
}
console.log(JSON.stringify(out));
