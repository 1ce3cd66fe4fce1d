// The frozen-prefix cache file: every sample's prefix outputs, one fixed-size row per sample (all
// boundary outputs of the sample, concatenated), so a sample is one positioned read. Written in
// chunks (a batch of samples at a time) under a temporary name, fsync'd, then renamed: a reader sees
// a complete file or none. A complete file carries its own proof: a header (format version, dtype,
// count, shapes) and a trailer (count again and the sha256 of header and rows), checked when it is
// opened, so a torn, truncated or altered file is detected and rebuilt, never used.
//
// Layout: "TLPCACHE" | u32 header length | header JSON (padded to 8 bytes) | rows | trailer:
// "TLPC-END" | f64 count | sha256 (32 bytes). Numbers little-endian (as the typed arrays are).
import { createHash, Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsyncDir } from '../../shared/runFolder/writeRecord';
import { diskFullAt } from '../../shared/system/diskFull';
import { floatsToHalves } from './float16';

export const CACHE_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('TLPCACHE', 'latin1');
const END = Buffer.from('TLPC-END', 'latin1');
const TRAILER_BYTES = 8 + 8 + 32;

export type CacheDtype = 'f16' | 'f32';

export interface CacheHeader {
  version: number;
  dtype: CacheDtype;
  /** Samples (rows). */
  count: number;
  /** Per-sample shape of each cached output, in the head's input order. */
  shapes: number[][];
}

/** Where a verified file's rows are. */
export interface CacheLayout {
  header: CacheHeader;
  dataOffset: number;
  /** Values per row (all outputs of one sample). */
  rowValues: number;
  rowBytes: number;
}

export const sampleSize = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function layoutOf(header: CacheHeader, headerBytes: number): CacheLayout {
  const rowValues = header.shapes.reduce((s, sh) => s + sampleSize(sh), 0);
  return { header, dataOffset: 12 + headerBytes, rowValues, rowBytes: rowValues * (header.dtype === 'f16' ? 2 : 4) };
}

/** Bytes of the file for `count` samples of `shapes`. */
export function cacheFileBytes(dtype: CacheDtype, shapes: number[][], count: number): number {
  const header: CacheHeader = { version: CACHE_FORMAT_VERSION, dtype, count, shapes };
  const layout = layoutOf(header, encodeHeader(header).length);
  return layout.dataOffset + layout.rowBytes * count + TRAILER_BYTES;
}

function encodeHeader(h: CacheHeader): Buffer {
  const json = JSON.stringify(h);
  return Buffer.from(json.padEnd(Math.ceil(json.length / 8) * 8, ' '), 'utf8');
}

function refuseBigEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('the frozen-prefix cache file is little-endian; this machine is big-endian');
}

/** Writes one cache file: `append` the samples in order, then `finish` (or `abort`). */
export class CacheFileWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  /** Where the rows go (also the finished file's layout: its checksum was computed as it was written). */
  readonly layout: CacheLayout;
  private written = 0;
  private position = 0;

  constructor(
    readonly file: string,
    header: Omit<CacheHeader, 'version'>,
    readonly temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`),
  ) {
    refuseBigEndian();
    const full: CacheHeader = { version: CACHE_FORMAT_VERSION, ...header };
    const json = encodeHeader(full);
    this.layout = layoutOf(full, json.length);
    const lead = Buffer.alloc(12);
    MAGIC.copy(lead, 0);
    lead.writeUInt32LE(json.length, 8);
    this.fd = openSync(temp, 'w');
    this.write(Buffer.concat([lead, json]));
  }

  private write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, this.position + off);
    } catch (err) {
      throw diskFullAt(err, this.temp);
    }
    this.position += bytes.length;
  }

  /** The next `n` samples: one array per output, `n` samples each (as the prefix model returns them). */
  append(outputs: Float32Array[], n: number): void {
    const { header, rowValues } = this.layout;
    const sizes = header.shapes.map(sampleSize);
    const rows = new Float32Array(n * rowValues);
    for (let i = 0; i < n; i++) {
      let at = i * rowValues;
      outputs.forEach((o, k) => {
        rows.set(o.subarray(i * sizes[k], (i + 1) * sizes[k]), at);
        at += sizes[k];
      });
    }
    let out: Uint8Array;
    if (header.dtype === 'f16') {
      const halves = new Uint16Array(rows.length);
      floatsToHalves(rows, halves);
      out = new Uint8Array(halves.buffer);
    } else out = new Uint8Array(rows.buffer);
    this.write(out);
    this.written += n;
  }

  /** Trailer, fsync, rename into place: from here on the file is complete. */
  finish(): void {
    const count = this.layout.header.count;
    if (this.written !== count) throw new Error(`cache file ${this.file}: ${this.written} samples written, ${count} announced`);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    END.copy(trailer, 0);
    trailer.writeDoubleLE(count, 8);
    this.hash.copy().digest().copy(trailer, 16);
    this.write(trailer);
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.temp, this.file);
    fsyncDir(path.dirname(this.file));
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.temp, { force: true });
  }
}

export type Verified = { ok: true; layout: CacheLayout } | { ok: false; reason: string };

function readExactly(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Checks a complete cache file: magic, version, the expected dtype/count/shapes, the size they
 * imply, the trailer and the checksum over everything before it (one sequential read; the page
 * cache keeps it for the training that follows).
 */
export function verifyCacheFile(file: string, expect: { count: number; shapes: number[][] }): Verified {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return { ok: false, reason: `cannot open: ${(err as Error).message}` };
  }
  try {
    const size = fstatSync(fd).size;
    const lead = readExactly(fd, 12, 0);
    if (lead.length < 12 || !lead.subarray(0, 8).equals(MAGIC)) return { ok: false, reason: 'not a cache file (no header)' };
    const headerBytes = lead.readUInt32LE(8);
    if (headerBytes > 1 << 20 || 12 + headerBytes > size) return { ok: false, reason: 'torn header' };
    let header: CacheHeader;
    try {
      header = JSON.parse(readExactly(fd, headerBytes, 12).toString('utf8')) as CacheHeader;
    } catch {
      return { ok: false, reason: 'unreadable header' };
    }
    if (header.version !== CACHE_FORMAT_VERSION)
      return { ok: false, reason: `format version ${header.version}, not ${CACHE_FORMAT_VERSION}` };
    if (header.count !== expect.count || JSON.stringify(header.shapes) !== JSON.stringify(expect.shapes))
      return {
        ok: false,
        reason: `holds ${header.count} samples of ${JSON.stringify(header.shapes)}, not ${expect.count} of ${JSON.stringify(expect.shapes)}`,
      };
    const layout = layoutOf(header, headerBytes);
    const end = layout.dataOffset + layout.rowBytes * header.count;
    if (size !== end + TRAILER_BYTES)
      return { ok: false, reason: `${size} bytes, a complete file has ${end + TRAILER_BYTES} (torn or partial)` };
    const trailer = readExactly(fd, TRAILER_BYTES, end);
    if (!trailer.subarray(0, 8).equals(END) || trailer.readDoubleLE(8) !== header.count)
      return { ok: false, reason: 'no trailer (torn or partial)' };
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(8 << 20);
    for (let pos = 0; pos < end;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
      if (n === 0) return { ok: false, reason: 'shorter than it says' };
      hash.update(chunk.subarray(0, n));
      pos += n;
    }
    if (!hash.digest().equals(trailer.subarray(16))) return { ok: false, reason: 'checksum mismatch (altered or torn)' };
    return { ok: true, layout };
  } finally {
    closeSync(fd);
  }
}
