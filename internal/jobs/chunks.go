package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/datachunk"
	"github.com/tuoyu/tuoyu/ent/privacy"
)

// ChunkSize is the largest piece of a file stored in one data_chunks row:
// small enough for any database row and for memory, large enough that a
// 100 MB file is a hundred rows.
const ChunkSize = 1 << 20

// chunkWriter stores what is written to it as the chunks of one part of a
// job, ChunkSize bytes at a time, hashing as it goes. Each chunk is its own
// statement, so on SQLite no write lock is held between chunks.
type chunkWriter struct {
	ctx    context.Context
	client *ent.Client
	job    int
	part   datachunk.Part
	buf    []byte
	seq    int
	size   int64
	sum    hash.Hash
}

func newChunkWriter(ctx context.Context, client *ent.Client, job int, part datachunk.Part) *chunkWriter {
	return &chunkWriter{ctx: privacy.DecisionContext(ctx, privacy.Allow), client: client, job: job, part: part, buf: make([]byte, 0, ChunkSize), sum: sha256.New()}
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == ChunkSize {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := w.client.DataChunk.Create().
		SetDataJobID(w.job).
		SetPart(w.part).
		SetSeq(w.seq).
		SetData(w.buf).
		Exec(w.ctx); err != nil {
		return fmt.Errorf("jobs: store chunk %d of job %d: %w", w.seq, w.job, err)
	}
	w.sum.Write(w.buf)
	w.size += int64(len(w.buf))
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// Close stores the last chunk.
func (w *chunkWriter) Close() error { return w.flush() }

// Hash is the SHA-256 (hex) of everything stored.
func (w *chunkWriter) Hash() string { return hex.EncodeToString(w.sum.Sum(nil)) }

// copyChunks writes one part of a job to w, one chunk in memory at a time.
func copyChunks(ctx context.Context, client *ent.Client, job int, part datachunk.Part, w io.Writer) (int64, error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	var total int64
	for seq := 0; ; seq++ {
		c, err := client.DataChunk.Query().
			Where(datachunk.DataJobID(job), datachunk.PartEQ(part), datachunk.Seq(seq)).
			Only(sys)
		if ent.IsNotFound(err) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("jobs: read chunk %d of job %d: %w", seq, job, err)
		}
		n, err := w.Write(c.Data)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}

// spool copies one part of a job into a temporary file, for readers that
// need random access (XLSX is a zip). The caller removes the file.
func spool(ctx context.Context, client *ent.Client, job int, part datachunk.Part) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "tuoyu-job-*")
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: temp file: %w", err)
	}
	n, err := copyChunks(ctx, client, job, part, f)
	if err != nil {
		removeTemp(f)
		return nil, 0, err
	}
	return f, n, nil
}

func removeTemp(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// deleteChunks removes one part of a job (a failed export's partial output).
func deleteChunks(ctx context.Context, client *ent.Client, job int, part datachunk.Part) error {
	_, err := client.DataChunk.Delete().
		Where(datachunk.DataJobID(job), datachunk.PartEQ(part)).
		Exec(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return fmt.Errorf("jobs: delete chunks of job %d: %w", job, err)
	}
	return nil
}
