// The frozen-prefix cache file: every sample's prefix outputs, one fixed-size row per sample (all
// boundary outputs of the sample, concatenated), so a sample is one positioned read. Written in
// chunks (a batch of samples at a time) under a temporary name, fsync'd, then renamed: a reader sees
// a complete file or none. A complete file carries its own proof: a header (format version, dtype,
// count, shapes) and a trailer (count again and the sha256 of header and rows), checked when it is
// opened, so a torn, truncated or altered file is detected and rebuilt, never used.
// Rows are by sample index: a sample the image source could not read keeps its row (so no other row
// moves), filled with NaN, and is listed after the rows; readers leave listed samples out, as the
// image source does (and a NaN row trained on by mistake would end the run with a non-finite loss,
// not train on made-up values).
//
// Layout: "TLPCACHE" | u32 header length | header JSON (padded to 8 bytes) | rows | i32 index of each
// missing sample, ascending | trailer: "TLPC-END" | f64 count | f64 missing count | sha256 (32
// bytes, of everything before the trailer). Numbers little-endian (as the typed arrays are).
import { createHash, Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsyncDir } from '../../shared/runFolder/writeRecord';
import { diskFullAt } from '../../shared/system/diskFull';
import { floatsToHalves } from './float16';

export const CACHE_FORMAT_VERSION = 2;
const MAGIC = Buffer.from('TLPCACHE', 'latin1');
const END = Buffer.from('TLPC-END', 'latin1');
const TRAILER_BYTES = 8 + 8 + 8 + 32;

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
  /** Samples without outputs (unreadable when the file was built), ascending: never read. */
  missing: Int32Array;
}

export const sampleSize = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function layoutOf(header: CacheHeader, headerBytes: number, missing = new Int32Array(0)): CacheLayout {
  const rowValues = header.shapes.reduce((s, sh) => s + sampleSize(sh), 0);
  return { header, dataOffset: 12 + headerBytes, rowValues, rowBytes: rowValues * (header.dtype === 'f16' ? 2 : 4), missing };
}

/** Bytes of the file for `count` samples of `shapes` (all readable). */
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

/** Writes one cache file: `append` (or `put`) the samples in index order, then `finish` (or `abort`). */
export class CacheFileWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  /** Where the rows go (also the finished file's layout: its checksum was computed as it was written). */
  layout: CacheLayout;
  private readonly missing: number[] = [];
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
    this.put(
      outputs,
      Int32Array.from({ length: n }, (_, i) => this.written + i),
    );
  }

  /** Samples `indices` (ascending, after those written): one array per output, a row per index. The
   *  samples skipped over are missing (NaN rows, listed in the file). */
  put(outputs: Float32Array[], indices: ArrayLike<number>): void {
    const n = indices.length;
    const { header, rowValues } = this.layout;
    for (let i = 0; i < n; i++)
      if (!(indices[i] >= (i ? indices[i - 1] + 1 : this.written)) || indices[i] >= header.count)
        throw new Error(`cache file ${this.file}: sample ${indices[i]} is out of order or outside 0…${header.count - 1}`);
    const sizes = header.shapes.map(sampleSize);
    const rows = new Float32Array(n * rowValues);
    for (let i = 0; i < n; i++) {
      let at = i * rowValues;
      outputs.forEach((o, k) => {
        rows.set(o.subarray(i * sizes[k], (i + 1) * sizes[k]), at);
        at += sizes[k];
      });
    }
    // Contiguous runs of samples are one write each; the gaps between them are missing samples.
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && indices[j] === indices[j - 1] + 1) j++;
      this.leaveOut(indices[i]);
      this.writeRows(rows.subarray(i * rowValues, j * rowValues), j - i);
      i = j;
    }
  }

  /** Samples from the next one up to (not including) `end` are missing: NaN rows. */
  leaveOut(end: number = this.layout.header.count): void {
    const row = new Float32Array(this.layout.rowValues).fill(NaN);
    while (this.written < end) {
      this.missing.push(this.written);
      this.writeRows(row, 1);
    }
  }

  private writeRows(rows: Float32Array, n: number): void {
    if (this.layout.header.dtype === 'f16') {
      const halves = new Uint16Array(rows.length);
      floatsToHalves(rows, halves);
      this.write(new Uint8Array(halves.buffer));
    } else this.write(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    this.written += n;
  }

  /** Trailer, fsync, rename into place: from here on the file is complete. */
  finish(): void {
    const count = this.layout.header.count;
    if (this.written !== count) throw new Error(`cache file ${this.file}: ${this.written} samples written, ${count} announced`);
    const missing = Int32Array.from(this.missing);
    this.write(new Uint8Array(missing.buffer));
    this.layout = { ...this.layout, missing };
    const trailer = Buffer.alloc(TRAILER_BYTES);
    END.copy(trailer, 0);
    trailer.writeDoubleLE(count, 8);
    trailer.writeDoubleLE(missing.length, 16);
    this.hash.copy().digest().copy(trailer, 24);
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
    const rowsEnd = 12 + headerBytes + layoutOf(header, headerBytes).rowBytes * header.count;
    if (size < rowsEnd + TRAILER_BYTES)
      return { ok: false, reason: `${size} bytes, a complete file has at least ${rowsEnd + TRAILER_BYTES} (torn or partial)` };
    const trailer = readExactly(fd, TRAILER_BYTES, size - TRAILER_BYTES);
    const missingCount = trailer.readDoubleLE(16);
    if (
      !trailer.subarray(0, 8).equals(END) ||
      trailer.readDoubleLE(8) !== header.count ||
      !(missingCount >= 0 && missingCount <= header.count)
    )
      return { ok: false, reason: 'no trailer (torn or partial)' };
    const end = rowsEnd + 4 * missingCount;
    if (size !== end + TRAILER_BYTES)
      return { ok: false, reason: `${size} bytes, a complete file has ${end + TRAILER_BYTES} (torn or partial)` };
    const list = readExactly(fd, 4 * missingCount, rowsEnd);
    const missing = new Int32Array(missingCount);
    for (let i = 0; i < missingCount; i++) missing[i] = list.readInt32LE(4 * i);
    if (missing.some((m, i) => m < 0 || m >= header.count || (i > 0 && m <= missing[i - 1])))
      return { ok: false, reason: 'the list of missing samples is not ascending sample indices' };
    const layout = layoutOf(header, headerBytes, missing);
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(8 << 20);
    for (let pos = 0; pos < end;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
      if (n === 0) return { ok: false, reason: 'shorter than it says' };
      hash.update(chunk.subarray(0, n));
      pos += n;
    }
    if (!hash.digest().equals(trailer.subarray(24))) return { ok: false, reason: 'checksum mismatch (altered or torn)' };
    return { ok: true, layout };
  } finally {
    closeSync(fd);
  }
}
