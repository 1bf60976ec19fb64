/**
 * Just enough of ONNX's protobuf (onnx/onnx.proto) to read a graph's nodes and to add outputs to it,
 * without a protobuf library: ModelProto.graph = 7; GraphProto.node = 1, input = 11, output = 12;
 * NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7;
 * ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1;
 * AttributeProto.name = 1, i = 3, type = 20 (INT = 2). Repeated fields may appear anywhere in a message
 * and concatenate in order, so a derived graph is the original bytes verbatim with new nodes and
 * outputs appended: every weight, initializer and external-data reference stays as it was.
 */

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface GraphSummary {
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

const FLOAT = 1;

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('the ONNX file is truncated (a varint runs past its end)');
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  /** every top-level field of the message: its number, wire type, bytes with tag, and payload for wire 2 */
  *fields(): Generator<{ field: number; raw: Uint8Array; payload?: Uint8Array }> {
    while (this.pos < this.bytes.length) {
      const start = this.pos;
      const key = this.varint();
      const wire = key % 8;
      let payload: Uint8Array | undefined;
      if (wire === 0) this.varint();
      else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else if (wire === 2) {
        const len = this.varint();
        payload = this.bytes.subarray(this.pos, this.pos + len);
        this.pos += len;
      } else throw new Error(`the ONNX file has a protobuf field of wire type ${wire}, which ONNX does not use`);
      if (this.pos > this.bytes.length) throw new Error('the ONNX file is truncated');
      yield { field: Math.floor(key / 8), raw: this.bytes.subarray(start, this.pos), ...(payload ? { payload } : {}) };
    }
  }
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const fieldsOf = (b: Uint8Array) => new Reader(b).fields();

function graphBytes(model: Uint8Array): Uint8Array {
  for (const f of fieldsOf(model)) if (f.field === 7 && f.payload) return f.payload;
  throw new Error('the ONNX file has no graph (ModelProto field 7)');
}

function readNode(bytes: Uint8Array): GraphNode {
  const node = { name: '', opType: '', domain: '', inputs: [] as string[], outputs: [] as string[] };
  for (const f of fieldsOf(bytes)) {
    if (!f.payload) continue;
    if (f.field === 1) node.inputs.push(text(f.payload));
    else if (f.field === 2) node.outputs.push(text(f.payload));
    else if (f.field === 3) node.name = text(f.payload);
    else if (f.field === 4) node.opType = text(f.payload);
    else if (f.field === 7) node.domain = text(f.payload);
  }
  return node;
}

function valueInfoName(bytes: Uint8Array): string {
  for (const f of fieldsOf(bytes)) if (f.field === 1 && f.payload) return text(f.payload);
  return '';
}

/** The graph's nodes (in file order) and the names of its inputs and outputs. */
export function readGraph(model: Uint8Array): GraphSummary {
  const nodes: GraphNode[] = [];
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const f of fieldsOf(graphBytes(model))) {
    if (!f.payload) continue;
    if (f.field === 1) nodes.push(readNode(f.payload));
    else if (f.field === 11) inputs.push(valueInfoName(f.payload));
    else if (f.field === 12) outputs.push(valueInfoName(f.payload));
  }
  return { nodes, inputs, outputs };
}

class Writer {
  private readonly parts: Uint8Array[] = [];

  raw(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }

  varint(v: number): this {
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return this.raw(Uint8Array.from(out));
  }

  uint(field: number, v: number): this {
    return this.varint(field * 8).varint(v);
  }

  bytes(field: number, payload: Uint8Array): this {
    return this.varint(field * 8 + 2).varint(payload.length).raw(payload);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** `output = Cast(input, to = float32)` */
function castNode(input: string, output: string): Uint8Array {
  const to = new Writer().string(1, 'to').uint(3, FLOAT).uint(20, 2).finish();
  return new Writer().string(1, input).string(2, output).string(3, `${output}/Cast`).string(4, 'Cast').bytes(5, to).finish();
}

/** A float32 graph output of unspecified shape. */
function floatOutput(name: string): Uint8Array {
  const tensor = new Writer().uint(1, FLOAT).finish();
  const type = new Writer().bytes(1, tensor).finish();
  return new Writer().string(1, name).bytes(2, type).finish();
}

/**
 * The model with each `tensors[k]` also given out as the float32 graph output `names[k]` (through a
 * Cast, so the output's type is known whatever the graph computes in). Every other byte is kept.
 */
export function withFloatOutputs(model: Uint8Array, tensors: readonly string[], names: readonly string[]): Uint8Array {
  if (tensors.length !== names.length) throw new Error(`withFloatOutputs: ${tensors.length} tensors but ${names.length} names`);
  const out = new Writer();
  for (const f of fieldsOf(model)) {
    if (f.field !== 7 || !f.payload) {
      out.raw(f.raw);
      continue;
    }
    const graph = new Writer().raw(f.payload);
    tensors.forEach((t, k) => graph.bytes(1, castNode(t, names[k])));
    for (const name of names) graph.bytes(12, floatOutput(name));
    out.bytes(7, graph.finish());
  }
  return out.finish();
}
