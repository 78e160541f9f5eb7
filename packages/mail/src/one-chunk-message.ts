import { Transform, type TransformCallback } from 'node:stream';

/** Gathered bytes handed on at once: a typical message is one chunk, a large one never sits whole in memory. */
const CHUNK_BYTES = 256 * 1024;

/**
 * nodemailer streams a message as many small chunks (the header block, each boundary, each part), and the
 * SMTP connection writes each chunk to the socket as it comes: a system call apiece, about 9 % of a worker's
 * CPU in the throughput profile. The chunks are gathered here and handed on CHUNK_BYTES at a time: one write
 * for the whole DATA of any but the largest messages.
 */
export class OneChunkMessage extends Transform {
  private chunks: Buffer[] = [];
  private gathered = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.gathered += chunk.length;
    if (this.gathered >= CHUNK_BYTES) this.handOn();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.handOn();
    done();
  }

  private handOn(): void {
    if (this.chunks.length === 0) return;
    this.push(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.gathered));
    this.chunks = [];
    this.gathered = 0;
  }
}
