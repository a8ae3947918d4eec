package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
)

// spill holds the outputs' values of a run that does not keep them, between
// the first pass and the summarising passes: in a temporary file rather
// than in the process's memory, so that the passes read them back instead
// of evaluating the model again (which would double a run's cost per
// pass). The file is unlinked as soon as it is created, so nothing is left
// behind whatever happens to the process; its pages live in the operating
// system's cache, which can evict them.
//
// Chunk c of output j is at byte 8·ChunkSize·(c·outputs + j).
type spill struct {
	dir     string
	f       *os.File
	outputs int
	failed  atomic.Pointer[error] // the first write error: the passes then evaluate again
	refs    sync.WaitGroup        // a Kept's readers and its owner
}

func newSpill(dir string, outputs int) (*spill, error) {
	f, err := os.CreateTemp(dir, "simgraph-outputs-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return &spill{dir: dir, f: f, outputs: outputs}, nil
}

func (s *spill) offset(c, j int) int64 { return 8 * ChunkSize * (int64(c)*int64(s.outputs) + int64(j)) }

// write stores chunk c's values of output j; buf is the worker's. The
// first error makes the spill unusable.
func (s *spill) write(c, j int, values []float64, buf []byte) {
	if s.failed.Load() != nil {
		return
	}
	if err := s.writeAt(c, j, values, buf); err != nil {
		s.failed.CompareAndSwap(nil, &err)
	}
}

// writeAt stores chunk c's values of output j and returns the error.
func (s *spill) writeAt(c, j int, values []float64, buf []byte) error {
	b := buf[:8*len(values)]
	for k, v := range values {
		binary.LittleEndian.PutUint64(b[8*k:], math.Float64bits(v))
	}
	if _, err := s.f.WriteAt(b, s.offset(c, j)); err != nil {
		return fmt.Errorf("engine: writing outputs to a temporary file in %q: %w", s.dir, err)
	}
	return nil
}

// read loads chunk c's values of output j into dst.
func (s *spill) read(c, j int, dst []float64, buf []byte) error {
	b := buf[:8*len(dst)]
	if _, err := s.f.ReadAt(b, s.offset(c, j)); err != nil {
		return fmt.Errorf("engine: reading outputs back: %w", err)
	}
	for k := range dst {
		dst[k] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:]))
	}
	return nil
}

// usable reports whether every write succeeded.
func (s *spill) usable() bool { return s != nil && s.failed.Load() == nil }

func (s *spill) close() {
	if s != nil {
		s.f.Close()
	}
}
