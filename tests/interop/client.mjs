// Drives checkout-mcp with the official MCP TypeScript SDK client, as desktop clients do.
//
//   node client.mjs spec.json
//
// The spec names a scenario and how to connect: {"transport": "stdio", "command", "args", "env",
// "cwd"} (the client starts the server, with this environment plus `env`) or {"transport": "http",
// "url"}; plus the scenario's data (demo cart ids, items, address, elicitation answers). The script
// prints exactly one JSON line on stdout: the report the Python tests assert on (every call made,
// its result or the error the SDK threw, what the store held before and after). Exit code 0
// whenever a report was printed.
//
// It is copied next to the pinned SDK (.cache/interop-node/) by tests/interop/harness.py, so that
// the bare imports below resolve to exactly the version in package-lock.json.

import { readFile } from 'node:fs/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const CONFIRMATION_META = 'io.checkout-mcp/confirmation';

let nextAnswer = null; // what the human answers to the next elicitation/create

const spec = JSON.parse(await readFile(process.argv[2], 'utf8'));
const report = {
  scenario: spec.scenario,
  transport: spec.transport,
  sdk: null,
  server: null,
  protocol_version: null,
  tools: null, // what tools/list showed, schemas included
  calls: [],
  elicitations: [],
  error: null,
};

// A client we did not write fails loudly: every call is recorded with what the SDK returned or threw.
async function call(client, tool, args, label) {
  const entry = { tool, label: label ?? tool, arguments: args };
  report.calls.push(entry);
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    entry.result = {
      isError: result.isError ?? false,
      structuredContent: result.structuredContent ?? null,
      text: (result.content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('\n'),
      meta: result._meta ?? null,
    };
    return entry.result;
  } catch (error) {
    entry.error = String(error?.message ?? error);
    throw new ScenarioError(`${entry.label} threw: ${entry.error}`);
  }
}

class ScenarioError extends Error {}

// A call that must succeed: its structured content.
async function ok(client, tool, args, label) {
  const result = await call(client, tool, args, label);
  if (result.isError) throw new ScenarioError(`${label ?? tool} failed: ${result.text}`);
  return result.structuredContent;
}

const lineId = (line) => line.split(': ', 1)[0];

// Every order in the store, read through get_order: ids are sequential from the seed's first one,
// so the first 404 is the end.
async function ordersInStore(client) {
  const found = [];
  for (let id = spec.first_order_id; id < spec.first_order_id + spec.max_orders; id += 1) {
    const result = await client.callTool({ name: 'get_order', arguments: { order_id: id } });
    if (result.isError) {
      const text = result.content.map((block) => block.text ?? '').join(' ');
      if (text.includes('404')) return found;
      throw new ScenarioError(`get_order ${id} failed while counting orders: ${text}`);
    }
    found.push({ order_id: id, checkout_id: result.structuredContent?.checkout_id ?? null });
  }
  throw new ScenarioError(`more than ${spec.max_orders} orders in the store`);
}

// The guest checkout up to create_order: cart, billing (with email), shipping address, an option.
async function readyCheckout(client) {
  const cart = await ok(client, 'create_cart', { items: spec.items });
  const checkoutId = cart.checkout_id;
  const address = { checkout_id: checkoutId, address: spec.address };
  await ok(client, 'add_billing_address', address);
  const shipped = await ok(client, 'add_shipping_address', address);
  const consignmentId = shipped.consignments[0].id;
  const options = await ok(client, 'list_shipping_options', {
    checkout_id: checkoutId,
    consignment_id: consignmentId,
  });
  await ok(client, 'select_shipping_option', {
    checkout_id: checkoutId,
    consignment_id: consignmentId,
    option_id: lineId(options.options[0]),
  });
  return checkoutId;
}

async function storeState(client, checkoutId) {
  const checkout = await ok(client, 'get_checkout', { checkout_id: checkoutId }, 'get_checkout (read back)');
  return { checkout_order_id: checkout.order_id ?? null, orders: await ordersInStore(client) };
}

const scenarios = {
  // Every read tool on the sandbox's demo carts (tools/list, as in every scenario, came first).
  async reads(client) {
    const carts = spec.demo_carts;
    report.checkouts = {};
    for (const [state, id] of Object.entries(carts)) {
      const result = await call(client, 'get_checkout', { checkout_id: id }, `get_checkout ${state}`);
      report.checkouts[state] = result;
    }
    await ok(client, 'get_checkout', { checkout_id: carts.ready, shipping_options: true, view: 'full' });
    await ok(client, 'list_checkouts', {});
    const ready = report.checkouts.ready.structuredContent;
    await ok(client, 'list_shipping_options', {
      checkout_id: carts.ready,
      consignment_id: ready.consignments[0].id,
    });
    await ok(client, 'list_payment_methods', { checkout_id: carts.ready });
    const orderId = Number(report.checkouts.ordered.structuredContent.order_id);
    await ok(client, 'get_order', { order_id: orderId });
    await ok(client, 'get_order', { order_id: orderId, view: 'full' });
    report.diagnoses = {};
    for (const state of ['ready', 'no_billing']) {
      const args = { checkout_id: carts[state] };
      report.diagnoses[state] = await ok(client, 'diagnose_checkout', args, `diagnose_checkout ${state}`);
    }
    report.search = await ok(client, 'search_products', { keyword: spec.search_keyword });
    report.product = await ok(client, 'get_product', { product_id: spec.product_id });
  },

  // Confirmation by id: the first create_order asks, the second (same arguments + id) orders, a
  // third with the spent id does not.
  async confirmation_id(client) {
    const checkoutId = await readyCheckout(client);
    report.checkout_id = checkoutId;
    report.before = await storeState(client, checkoutId);
    const asked = await call(client, 'create_order', { checkout_id: checkoutId }, 'create_order (asks)');
    const confirmation = asked.meta?.[CONFIRMATION_META];
    report.after_asking = await storeState(client, checkoutId);
    if (!confirmation?.confirmation_id) {
      throw new ScenarioError(`create_order returned no ${CONFIRMATION_META} in _meta: ${asked.text}`);
    }
    const confirmed = { checkout_id: checkoutId, confirmation_id: confirmation.confirmation_id };
    await call(client, 'create_order', confirmed, 'create_order (confirmed)');
    report.after = await storeState(client, checkoutId);
    // The id is single use: the same call again must not order a second time.
    await call(client, 'create_order', confirmed, 'create_order (id replayed)');
    report.after_replay = await storeState(client, checkoutId);
  },

  // Confirmation by the human: create_order on one checkout once per answer in spec.answers
  // (e.g. decline, cancel, accept), each answered through elicitation/create.
  async elicitation(client) {
    const checkoutId = await readyCheckout(client);
    report.checkout_id = checkoutId;
    report.before = await storeState(client, checkoutId);
    report.steps = [];
    for (const answer of spec.answers) {
      const step = { answer };
      report.steps.push(step);
      nextAnswer = answer;
      const args = { checkout_id: checkoutId };
      step.result = await call(client, 'create_order', args, `create_order (${answer})`);
      step.after = await storeState(client, checkoutId);
    }
  },
};

function answerElicitation(request) {
  const answer = nextAnswer;
  nextAnswer = null;
  report.elicitations.push({
    message: request.params.message,
    mode: request.params.mode ?? null,
    requestedSchema: request.params.requestedSchema ?? null,
    answer,
  });
  if (answer === 'accept') return { action: 'accept', content: { confirm: true } };
  if (answer === 'decline' || answer === 'cancel') return { action: answer };
  throw new Error(`unexpected elicitation (no answer prepared): ${request.params.message}`);
}

function transportFor() {
  if (spec.transport === 'stdio') {
    return new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
      stderr: 'inherit',
    });
  }
  return new StreamableHTTPClientTransport(new URL(spec.url));
}

async function main() {
  const scenario = scenarios[spec.scenario];
  if (!scenario) throw new Error(`unknown scenario ${spec.scenario}`);
  const elicit = spec.scenario === 'elicitation';
  const client = new Client(
    { name: 'checkout-mcp-interop', version: '1.0.0' },
    { capabilities: elicit ? { elicitation: { form: {} } } : {} },
  );
  if (elicit) client.setRequestHandler(ElicitRequestSchema, answerElicitation);
  const transport = transportFor();
  // The client hands the negotiated protocol version to transports that take one (HTTP); note it.
  const setProtocolVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version) => {
    report.protocol_version = version;
    setProtocolVersion?.(version);
  };
  await client.connect(transport);
  try {
    report.server = client.getServerVersion() ?? null;
    // As real clients do: list first. The SDK caches each tool's output schema validator here and
    // from then on checks every result's structuredContent against it.
    report.tools = (await client.listTools()).tools;
    await scenario(client);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    report.error = error.message;
  } finally {
    if (transport instanceof StreamableHTTPClientTransport) {
      await transport.terminateSession().catch(() => {}); // DELETE the session, as a polite client does
    }
    await client.close();
  }
}

const sdkPackage = new URL('./node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url);
report.sdk = JSON.parse(await readFile(sdkPackage, 'utf8')).version;
try {
  await main();
} catch (error) {
  report.error = `client failed: ${error?.stack ?? error}`;
}
process.stdout.write(`${JSON.stringify(report)}\n`);
