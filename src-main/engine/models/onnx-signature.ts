/**
 * Reads the inputs, outputs and external-weights references of an ONNX file without creating a
 * session: a minimal protobuf walk over ModelProto.graph (onnx/onnx.proto field numbers) that seeks
 * past node lists and large initializers, so a 1.7 GB fp16 UNet costs a few small reads.
 * Folder inspection uses it to stay cheap; LoadedModel reads the real session metadata instead.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { fileKind } from '../regular-file.ts';

export interface OnnxValueInfo {
  name: string;
  /** 'float32', 'float16', 'int32', 'int64', ... ('type#N' for element types we do not name) */
  type: string;
  /** null when the graph declares no shape; numbers are fixed dims, strings symbolic ('?' unnamed) */
  dims: (number | string)[] | null;
}

export interface OnnxSignature {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** files named by initializers stored outside the model (external data `location`s), deduplicated */
  externalFiles: string[];
  /**
   * initializer name → dims, for every initializer whose header could be read (all of them in
   * external-data exports; large inline ones when their dims and name precede their data, as ONNX
   * writes them). Weight shapes tell what the inputs' symbolic dims hide (a UNet's conv_in.weight).
   */
  initializerDims: Map<string, number[]>;
}

const ELEM_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};
/** initializers larger than this hold inline data: only their first HEAD_BYTES are read (dims, name) */
const SMALL_MESSAGE = 64 * 1024;
const HEAD_BYTES = 1024;
const CHUNK = 64 * 1024;

/** The file is not a readable ONNX model; the message says why (e.g. 'truncated ...'). */
export class OnnxFormatError extends Error {}

/** Throws OnnxFormatError with a short reason when the file is not a readable ONNX model. */
export async function readOnnxSignature(file: string): Promise<OnnxSignature> {
  // non-blocking open and fstat: a FIFO named model.onnx must not block the reader (regular-file.ts)
  const fh = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await fh.stat();
    if (!stats.isFile()) throw new OnnxFormatError(`it is ${fileKind(stats)}, not a regular file`);
    const size = stats.size;
    if (size === 0) throw new OnnxFormatError('the file is empty');
    const cursor = new FileCursor(fh, size);
    let graph: OnnxSignature | undefined;
    let sawIrVersion = false;
    while (cursor.pos < size) {
      const { field, wire } = await cursor.tag();
      if (field === 1 && wire === 0) sawIrVersion = true;
      if (field === 7 && wire === 2) {
        const len = await cursor.varint();
        graph = await readGraph(cursor, cursor.checkedEnd(len));
      } else {
        await cursor.skipField(wire);
      }
    }
    if (!sawIrVersion || !graph) throw new OnnxFormatError('no ONNX model header or graph found');
    return graph;
  } finally {
    await fh.close();
  }
}

async function readGraph(cursor: FileCursor, end: number): Promise<OnnxSignature> {
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializerNames = new Set<string>();
  const initializerDims = new Map<string, number[]>();
  const externalFiles = new Set<string>();
  while (cursor.pos < end) {
    const { field, wire } = await cursor.tag();
    if (wire === 2 && (field === 11 || field === 12 || field === 5)) {
      const len = await cursor.varint();
      if (field === 5 && len > SMALL_MESSAGE) {
        const start = cursor.pos;
        const head = readInitializerHead(new MessageReader(await cursor.bytes(HEAD_BYTES)));
        cursor.pos = start;
        cursor.skip(len);
        if (head.name) {
          initializerNames.add(head.name);
          initializerDims.set(head.name, head.dims);
        }
        continue;
      }
      const msg = new MessageReader(await cursor.bytes(len));
      if (field === 5) {
        const init = readInitializer(msg);
        initializerNames.add(init.name);
        initializerDims.set(init.name, init.dims);
        if (init.location) externalFiles.add(init.location);
      } else {
        (field === 11 ? inputs : outputs).push(readValueInfo(msg));
      }
    } else {
      await cursor.skipField(wire);
    }
  }
  if (cursor.pos !== end) throw new OnnxFormatError('graph length does not match its contents');
  // old exports list initializers among the inputs; ORT does not report those as inputs
  return { inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs, externalFiles: [...externalFiles], initializerDims };
}

function readValueInfo(msg: MessageReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', type: 'non-tensor', dims: null };
  msg.each((field, wire) => {
    if (field === 1 && wire === 2) info.name = msg.string();
    else if (field === 2 && wire === 2) {
      // TypeProto.tensor_type (1) -> elem_type (1), shape (2) -> dim (1) -> dim_value (1) | dim_param (2)
      msg.sub().each((tf, tw, typeMsg) => {
        if (tf !== 1 || tw !== 2) return typeMsg.skipField(tw);
        typeMsg.sub().each((f, w, tensor) => {
          if (f === 1 && w === 0) {
            const elem = tensor.varint();
            info.type = ELEM_TYPES[elem] ?? `type#${elem}`;
          }
          else if (f === 2 && w === 2) info.dims = readShape(tensor.sub());
          else tensor.skipField(w);
        });
      });
    } else msg.skipField(wire);
  });
  return info;
}

function readShape(shape: MessageReader): (number | string)[] {
  const dims: (number | string)[] = [];
  shape.each((f, w, s) => {
    if (f !== 1 || w !== 2) return s.skipField(w);
    let dim: number | string = '?';
    s.sub().each((df, dw, d) => {
      if (df === 1 && dw === 0) {
        const value = d.varint();
        dim = value <= Number.MAX_SAFE_INTEGER ? value : '?'; // negative int64 (-1) = unknown
      }
      else if (df === 2 && dw === 2) dim = d.string();
      else d.skipField(dw);
    });
    dims.push(dim);
  });
  return dims;
}

/** TensorProto.dims (field 1): packed or one varint per entry */
function readDim(m: MessageReader, wire: number, dims: number[]): void {
  if (wire === 0) dims.push(m.varint());
  else dims.push(...m.packedVarints());
}

function readInitializer(msg: MessageReader): { name: string; dims: number[]; location?: string } {
  let name = '';
  const dims: number[] = [];
  let location: string | undefined;
  msg.each((f, w, m) => {
    if (f === 1 && (w === 0 || w === 2)) readDim(m, w, dims);
    else if (f === 8 && w === 2) name = m.string();
    else if (f === 13 && w === 2) {
      // StringStringEntryProto { key = 1; value = 2 }
      let key = '';
      let value = '';
      m.sub().each((ef, ew, e) => {
        if (ef === 1 && ew === 2) key = e.string();
        else if (ef === 2 && ew === 2) value = e.string();
        else e.skipField(ew);
      });
      if (key === 'location') location = value;
    } else m.skipField(w);
  });
  return { name, dims, location };
}

/**
 * Name and dims from the first bytes of a large inline initializer: fields are read until one runs
 * past the bytes at hand (its data). ONNX writes dims (1), data_type (2) and name (8) before raw_data (9).
 */
function readInitializerHead(msg: MessageReader): { name: string; dims: number[] } {
  let name = '';
  const dims: number[] = [];
  try {
    msg.each((f, w, m) => {
      if (f === 1 && (w === 0 || w === 2)) readDim(m, w, dims);
      else if (f === 8 && w === 2) name = m.string();
      else m.skipField(w);
    });
  } catch (err) {
    if (!(err instanceof OnnxFormatError)) throw err; // the data field runs past the head: done
  }
  return { name, dims };
}

/** Sequential reader over a file with a 64 KiB window; long fields are skipped by seeking. */
class FileCursor {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
  ) {}

  checkedEnd(len: number): number {
    const end = this.pos + len;
    if (end > this.size) throw new OnnxFormatError(`truncated (a field runs to byte ${end}, the file has ${this.size})`);
    return end;
  }

  private async byteAt(p: number): Promise<number> {
    if (p >= this.size) throw new OnnxFormatError('truncated');
    if (p < this.bufStart || p >= this.bufStart + this.buf.length) {
      const len = Math.min(CHUNK, this.size - p);
      this.buf = Buffer.alloc(len);
      await this.fh.read(this.buf, 0, len, p);
      this.bufStart = p;
    }
    return this.buf[p - this.bufStart];
  }

  async varint(): Promise<number> {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = await this.byteAt(this.pos++);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new OnnxFormatError('bad varint');
  }

  async tag(): Promise<{ field: number; wire: number }> {
    const t = await this.varint();
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (field === 0 || wire === 3 || wire === 4 || wire > 5) throw new OnnxFormatError(`unexpected protobuf tag ${t}`);
    return { field, wire };
  }

  skip(len: number): void {
    this.pos = this.checkedEnd(len);
  }

  async skipField(wire: number): Promise<void> {
    if (wire === 0) await this.varint();
    else if (wire === 1) this.skip(8);
    else if (wire === 5) this.skip(4);
    else this.skip(await this.varint());
  }

  async bytes(len: number): Promise<Buffer> {
    const end = this.checkedEnd(len);
    const out = Buffer.alloc(len);
    await this.fh.read(out, 0, len, this.pos);
    this.pos = end;
    return out;
  }
}

type FieldVisitor = (field: number, wire: number, msg: MessageReader) => void;

/** In-memory reader for small messages. */
class MessageReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  each(visit: FieldVisitor): void {
    while (this.pos < this.buf.length) {
      const t = this.varint();
      const wire = t % 8;
      if (t < 8 || wire === 3 || wire === 4 || wire > 5) throw new OnnxFormatError(`unexpected protobuf tag ${t}`);
      visit(Math.floor(t / 8), wire, this);
    }
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.pos >= this.buf.length) throw new OnnxFormatError('truncated message');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new OnnxFormatError('bad varint');
  }

  private take(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new OnnxFormatError('truncated message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  sub(): MessageReader {
    return new MessageReader(this.take());
  }

  /** a packed repeated varint field */
  packedVarints(): number[] {
    const packed = this.sub();
    const out: number[] = [];
    while (packed.pos < packed.buf.length) out.push(packed.varint());
    return out;
  }

  string(): string {
    return Buffer.from(this.take()).toString('utf8');
  }

  skipField(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else this.take();
    if (this.pos > this.buf.length) throw new OnnxFormatError('truncated message');
  }
}
