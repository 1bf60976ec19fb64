/**
 * Puts weights back into a graph template: the template's ModelProto bytes with its graph extended by
 * initializers whose data lives in an external file (onnx/onnx.proto: ModelProto.graph = 7,
 * GraphProto.node = 1 / initializer = 5, TensorProto.dims = 1, data_type = 2, name = 8,
 * external_data = 13, data_location = 14 (EXTERNAL = 1); ONNX's external-data keys location / offset /
 * length). Repeated protobuf fields may appear anywhere in a message and concatenate in order, so the
 * template's bytes are copied verbatim: cast nodes go before its nodes, initializers after.
 */

export type OnnxElemType = 'float32' | 'float16';

const ELEM: Record<OnnxElemType, number> = { float32: 1, float16: 10 };

export interface ExternalInitializer {
  name: string;
  dims: readonly number[];
  dataType: OnnxElemType;
  /** file name relative to the model file, e.g. 'weights.pb' */
  location: string;
  offset: number;
  length: number;
}

/** A Cast node: `output = Cast(input, to = float32)` (weights stored as float16, computed as float32). */
export interface CastToFloat {
  input: string;
  output: string;
}

class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  bytes(b: Uint8Array): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`protobuf varint out of range: ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return this.bytes(Uint8Array.from(out));
  }

  tag(field: number, wire: 0 | 2): this {
    return this.varint(field * 8 + wire);
  }

  uint(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  lengthDelimited(field: number, payload: Uint8Array): this {
    return this.tag(field, 2).varint(payload.length).bytes(payload);
  }

  string(field: number, text: string): this {
    return this.lengthDelimited(field, new TextEncoder().encode(text));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function entry(key: string, value: string): Uint8Array {
  return new ProtoWriter().string(1, key).string(2, value).finish();
}

export function encodeInitializer(init: ExternalInitializer): Uint8Array {
  const w = new ProtoWriter();
  for (const d of init.dims) w.uint(1, d);
  w.uint(2, ELEM[init.dataType]).string(8, init.name);
  w.lengthDelimited(13, entry('location', init.location));
  w.lengthDelimited(13, entry('offset', String(init.offset)));
  w.lengthDelimited(13, entry('length', String(init.length)));
  return w.uint(14, 1).finish();
}

function encodeCast(cast: CastToFloat): Uint8Array {
  // AttributeProto: name = 1, i = 3, type = 20 (INT = 2); NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5
  const to = new ProtoWriter().string(1, 'to').uint(3, ELEM.float32).uint(20, 2).finish();
  return new ProtoWriter().string(1, cast.input).string(2, cast.output).string(3, `${cast.output}/cast`)
    .string(4, 'Cast').lengthDelimited(5, to).finish();
}

class ProtoReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('ONNX model is truncated');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 63) throw new Error('ONNX model has a malformed varint');
    }
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else if (wire === 2) {
      const len = this.varint(); // read before adding: `pos += varint()` would add to the old position
      this.pos += len;
    }
    else throw new Error(`ONNX model uses protobuf wire type ${wire}, which ONNX files do not`);
    if (this.pos > this.buf.length) throw new Error('ONNX model is truncated');
  }
}

/**
 * The template model with `initializers` appended to its graph and `casts` placed before its nodes.
 * Throws when the template has no graph.
 */
export function fillTemplate(template: Uint8Array, initializers: readonly ExternalInitializer[], casts: readonly CastToFloat[] = []): Uint8Array {
  const out = new ProtoWriter();
  let sawGraph = false;
  for (const f of fields(template)) {
    if (f.field !== 7 || !f.payload) {
      out.bytes(f.raw);
      continue;
    }
    const body = new ProtoWriter();
    for (const c of casts) body.lengthDelimited(1, encodeCast(c));
    body.bytes(f.payload);
    for (const init of initializers) body.lengthDelimited(5, encodeInitializer(init));
    out.lengthDelimited(7, body.finish());
    sawGraph = true;
  }
  if (!sawGraph) throw new Error('graph template has no graph');
  return out.finish();
}

/** The name (field 8) of an encoded TensorProto. */
function tensorName(bytes: Uint8Array): string {
  const r = new ProtoReader(bytes);
  while (r.pos < bytes.length) {
    const key = r.varint();
    if (key === 8 * 8 + 2) {
      const len = r.varint();
      return new TextDecoder().decode(bytes.subarray(r.pos, r.pos + len));
    }
    r.skip(key % 8);
  }
  return '';
}

/** Each top-level field of a message as [field, wire, its bytes with tag, its payload for wire 2]. */
function* fields(bytes: Uint8Array): Generator<{ field: number; wire: number; raw: Uint8Array; payload?: Uint8Array }> {
  const r = new ProtoReader(bytes);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 2) {
      const len = r.varint();
      const payload = bytes.subarray(r.pos, r.pos + len);
      r.pos += len;
      if (r.pos > bytes.length) throw new Error('ONNX model is truncated');
      yield { field, wire, raw: bytes.subarray(start, r.pos), payload };
    } else {
      r.skip(wire);
      yield { field, wire, raw: bytes.subarray(start, r.pos) };
    }
  }
}

/**
 * The model with the named initializers replaced (e.g. LoRA-merged weights stored in another external
 * file); every other byte is kept. Throws when a replacement names no initializer of the graph.
 */
export function replaceInitializers(model: Uint8Array, replacements: ReadonlyMap<string, ExternalInitializer>): Uint8Array {
  const out = new ProtoWriter();
  const seen = new Set<string>();
  for (const f of fields(model)) {
    if (f.field !== 7 || !f.payload) {
      out.bytes(f.raw);
      continue;
    }
    const graph = new ProtoWriter();
    for (const g of fields(f.payload)) {
      const name = g.field === 5 && g.payload ? tensorName(g.payload) : undefined;
      const replacement = name === undefined ? undefined : replacements.get(name);
      if (replacement && name !== undefined) {
        graph.lengthDelimited(5, encodeInitializer(replacement));
        seen.add(name);
      } else {
        graph.bytes(g.raw);
      }
    }
    out.lengthDelimited(7, graph.finish());
  }
  const missing = [...replacements.keys()].filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`the model has no initializer named ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
  return out.finish();
}
