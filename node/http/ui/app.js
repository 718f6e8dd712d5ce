// The chordkv dashboard. Every second it reads the ring from the node that served this page
// (GET /overlay), then each member's own GET /status, straight from that member (those routes
// answer any origin), and redraws. Key search and the key forms use the public API of the
// node that served the page. Plain DOM, no framework, nothing fetched from elsewhere.

const POLL_MS = 1000;
const RING = 2n ** 160n;
const SVG = 'http://www.w3.org/2000/svg';
const CX = 260;
const CY = 220;
const RADIUS = 160;

const $ = (selector) => document.querySelector(selector);
/** Members in id order: { id, address, angle, status, error }, and k from their /status. */
let ring = { members: [], k: 1, consistency: '' };
/** The key searched for: { key, id, angle }, and the value each node holds of it, by address. */
let search = null;
let holdings = new Map();

/** An element with attributes and, optionally, text (set as text: values are not markup). */
function el(tag, attrs = {}, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

async function getJson(url, init = {}) {
  const response = await fetch(url, { signal: AbortSignal.timeout(POLL_MS * 2), ...init });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

/** This node's own routes are asked on this page's origin; others on theirs. */
const urlOf = (address, path) => (address === location.host ? path : `${location.protocol}//${address}${path}`);

/** Degrees clockwise from the top: id / 2^160 × 360. */
const angleOf = (hex) => Number((BigInt('0x' + hex) * 3_600_000n) / RING) / 10_000;

function point(angle, radius = RADIUS) {
  const rad = (angle * Math.PI) / 180;
  return [CX + radius * Math.sin(rad), CY - radius * Math.cos(rad)];
}

function healthOf(member) {
  if (member.error) return 'unreachable';
  if (member.status.state === 'ready') return 'ready';
  return member.status.state === 'joining' ? 'joining' : 'departing';
}

const colourOf = (index, count) => `hsl(${Math.round((index * 360) / Math.max(count, 1))} 65% 50%)`;

/** The key's owner (first member at or after its id, clockwise) and the next k-1 members. */
function replicaSet(keyId) {
  const { members, k } = ring;
  if (members.length === 0) return [];
  const id = BigInt('0x' + keyId);
  const first = Math.max(0, members.findIndex((m) => BigInt('0x' + m.id) >= id));
  return Array.from({ length: Math.min(k, members.length) }, (_, i) => members[(first + i) % members.length]);
}

async function refresh() {
  const overlay = await getJson('/overlay');
  const members = await Promise.all(overlay.nodes.map(async (m) => {
    try {
      return { ...m, status: await getJson(urlOf(m.address, '/status')) };
    } catch (err) {
      return { ...m, error: err.message };
    }
  }));
  members.sort((a, b) => (BigInt('0x' + a.id) < BigInt('0x' + b.id) ? -1 : 1));
  for (const m of members) m.angle = angleOf(m.id);
  const answered = members.find((m) => m.status);
  ring = { members, k: answered?.status.k ?? ring.k, consistency: answered?.status.consistency ?? ring.consistency };
  if (search) await loadHoldings();
}

/** What every node holds of the searched key, from GET /kv (every pair by node, with its role). */
async function loadHoldings() {
  const all = await getJson('/kv');
  holdings = new Map();
  for (const node of all.nodes) {
    const item = node.items.find((i) => i.key === search.key);
    if (item) holdings.set(node.address, item);
  }
}

function drawRing() {
  const svg = $('#ring');
  svg.replaceChildren(el('svg:circle', { cx: CX, cy: CY, r: RADIUS, fill: 'none', stroke: '#ddd', 'stroke-width': 14 }));
  const { members } = ring;
  const chain = search ? replicaSet(search.id).map((m) => m.address) : [];
  members.forEach((m, i) => {
    const colour = colourOf(i, members.length);
    // The arc it owns: (predecessor, self], clockwise; a lone node owns the whole circle.
    const from = members[(i + members.length - 1) % members.length].angle;
    const sweep = members.length === 1 ? 360 : (m.angle - from + 360) % 360;
    if (sweep >= 359.99) {
      svg.append(el('svg:circle', { cx: CX, cy: CY, r: RADIUS, fill: 'none', stroke: colour, 'stroke-width': 10, 'data-arc': m.address }));
    } else {
      const [x0, y0] = point(from);
      const [x1, y1] = point(m.angle);
      const d = `M ${x0} ${y0} A ${RADIUS} ${RADIUS} 0 ${sweep > 180 ? 1 : 0} 1 ${x1} ${y1}`;
      svg.append(el('svg:path', { d, fill: 'none', stroke: colour, 'stroke-width': 10, opacity: 0.7, 'data-arc': m.address }));
    }
  });
  let lastLabel = -Infinity;
  members.forEach((m, i) => {
    const [x, y] = point(m.angle);
    const classes = ['node', healthOf(m), chain.includes(m.address) ? 'in-chain' : ''].join(' ').trim();
    const marker = el('svg:circle', { cx: x, cy: y, r: 7, fill: colourOf(i, members.length), class: classes, 'data-node': m.address, 'data-state': healthOf(m) });
    marker.append(el('svg:title', {}, `${m.address} (${healthOf(m)})`));
    svg.append(marker);
    // Nodes a few degrees apart would print over each other: the table and the tooltip name them all.
    if (m.angle - lastLabel < 8) return;
    lastLabel = m.angle;
    const [lx, ly] = point(m.angle, RADIUS + 16);
    const anchor = Math.abs(lx - CX) < 20 ? 'middle' : lx > CX ? 'start' : 'end';
    svg.append(el('svg:text', { x: lx, y: ly, 'text-anchor': anchor, 'dominant-baseline': 'middle', class: 'node-label' }, m.address));
  });
  if (search) {
    const [x, y] = point(search.angle, RADIUS - 30);
    const [x1, y1] = point(search.angle, RADIUS);
    svg.append(el('svg:line', { x1: x, y1: y, x2: x1, y2: y1, class: 'key-line' }));
    svg.append(el('svg:circle', { cx: x, cy: y, r: 5, class: 'key-marker', 'data-key': search.key }));
    const [tx, ty] = point(search.angle, RADIUS - 44);
    svg.append(el('svg:text', { x: tx, y: ty, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: 'node-label' }, search.key));
  }
  const total = members.reduce((sum, m) => sum + (m.status?.keys.primary ?? 0), 0);
  svg.append(el('svg:text', { x: CX, y: CY - 8, 'text-anchor': 'middle', 'font-size': 16 }, `${members.length} nodes`));
  svg.append(el('svg:text', { x: CX, y: CY + 14, 'text-anchor': 'middle', 'font-size': 12, fill: '#666' }, `${total} keys, k=${ring.k}`));
}

function drawTable() {
  const { members } = ring;
  $('#nodes tbody').replaceChildren(...members.map((m, i) => {
    const from = members[(i + members.length - 1) % members.length].angle;
    const share = members.length === 1 ? 100 : (((m.angle - from + 360) % 360) / 360) * 100;
    const keys = m.status?.keys;
    const row = el('tr', { 'data-row': m.address });
    const swatch = el('td');
    swatch.append(el('span', { class: 'swatch', style: `background: ${colourOf(i, members.length)}` }));
    row.append(swatch, el('td', { class: 'mono' }, m.address), el('td', { class: 'mono' }, m.id.slice(0, 8)),
      el('td', { class: `state-${healthOf(m)}`, title: m.error ?? '' }, healthOf(m)), el('td', { class: 'num' }, `${share.toFixed(1)}%`),
      ...[keys?.primary, keys?.replica, keys?.total].map((n) => el('td', { class: 'num' }, n === undefined ? '–' : String(n))));
    return row;
  }));
  $('#summary').textContent = `${members.length} nodes · k=${ring.k} · ${ring.consistency} · served by ${location.host}`;
}

function drawSearch() {
  if (!search) return;
  $('#key-info').textContent = `"${search.key}": id ${search.id} at ${search.angle.toFixed(2)}°`;
  const chain = replicaSet(search.id);
  $('#replicas').replaceChildren(...chain.map((m, i) => {
    const held = holdings.get(m.address);
    // In linearizable mode the replica set is a chain: writes enter at the head, reads answer at the tail.
    const role = chain.length === 1 ? 'owner' : i === 0 ? 'owner, head' : i === chain.length - 1 ? 'tail' : 'middle';
    const li = el('li', { 'data-replica': m.address }, `${m.address} (${role}): `);
    li.append(held ? el('code', {}, JSON.stringify(held.value)) : el('span', { class: 'missing' }, 'not held'));
    if (held) li.append(` as ${held.role}`);
    return li;
  }));
}

function draw() {
  drawRing();
  drawTable();
  drawSearch();
}

/** Hex SHA-1 of the key's UTF-8 bytes, as the nodes hash keys (crypto.subtle: secure contexts only). */
export async function sha1Hex(text) {
  const bytes = new TextEncoder().encode(text);
  if (!globalThis.crypto?.subtle) return sha1Plain(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-1 in plain JS, for pages opened over plain HTTP from another machine, where crypto.subtle is absent. */
export function sha1Plain(bytes) {
  const padded = new Uint8Array((((bytes.length + 8) >> 6) + 1) << 6);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 4, bytes.length * 8); // keys are ≤ 1 KiB: the high word stays 0
  let h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1]
        : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) >>> 0;
      [e, d, c, b, a] = [d, c, ((b << 30) | (b >>> 2)) >>> 0, a, t];
    }
    h = [a, b, c, d, e].map((x, i) => (h[i] + x) >>> 0);
  }
  return h.map((x) => x.toString(16).padStart(8, '0')).join('');
}

async function find(key) {
  const id = await sha1Hex(key);
  search = { key, id, angle: angleOf(id) };
  try {
    await loadHoldings();
  } catch (err) {
    $('#problem').textContent = `GET /kv: ${err.message}`;
  }
  draw();
}

async function operate(op, key, value) {
  const init = op === 'PUT'
    ? { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) }
    : { method: op };
  try {
    $('#op-result').textContent = JSON.stringify(await getJson(`/kv/${encodeURIComponent(key)}`, init), null, 1);
  } catch (err) {
    $('#op-result').textContent = err.message;
  }
  $('#search [name=key]').value = key;
  await find(key);
}

$('#search').addEventListener('submit', (event) => {
  event.preventDefault();
  void find(event.target.elements.key.value);
});
$('#ops').addEventListener('submit', (event) => {
  event.preventDefault();
  const { key, value } = event.target.elements;
  void operate(event.submitter?.value ?? 'GET', key.value, value.value);
});

/** Polls forever, each round at most POLL_MS after the last began; a failed round keeps the last picture. */
async function poll() {
  const started = performance.now();
  try {
    await refresh();
    $('#problem').textContent = '';
  } catch (err) {
    $('#problem').textContent = `this node: ${err.message}`;
  }
  draw();
  setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
}

void poll();
