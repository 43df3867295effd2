// Package spool is an append-only log of records on disk, kept in segment files,
// with group commit: Append returns once its record is written and fsynced, and
// records appended while one fsync runs share the next. Readers follow the log from
// any position up to what is durable, and segments wholly behind a position can be
// removed. After a crash, Open cuts a torn tail off the last segment, so the log
// holds exactly the records whose Append returned (and perhaps some whose Append had
// not returned yet).
//
// A record is framed as its length (uint32, little endian), the CRC-32C of its
// bytes, then the bytes. Positions are byte offsets in the whole log: segment files
// are named by the position of their first byte, so a position never changes
// meaning as segments are removed.
//
// spool knows nothing of llmtap; it imports the standard library only.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Pos is a position in the log: the offset of a record's frame, or of the end.
type Pos int64

const (
	frameHeader = 8 // length and CRC
	// MaxRecord is the largest record Append takes.
	MaxRecord = 1 << 30
	// defaultSegmentSize is Options.SegmentSize's zero-value default.
	defaultSegmentSize = 64 << 20
	segmentExt         = ".seg"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("spool closed")

// ErrLocked is returned by Open when another process has the folder open.
var ErrLocked = errors.New("spool folder in use by another process")

// ErrCorrupt is wrapped by a Reader that finds a frame whose length or CRC is wrong
// inside the durable part of the log (a disk fault, or a file edited by hand).
var ErrCorrupt = errors.New("spool record corrupt")

// Options configures Open.
type Options struct {
	// SegmentSize is the size past which a new segment file is started. 0 means 64 MiB.
	SegmentSize int64
	// FileMode is the mode of new segment files; 0 means 0600. The folder is created 0700.
	FileMode os.FileMode
	// NoSync skips fsync (tests and benchmarks of everything but durability).
	NoSync bool
	// EmptyStart is the position the first segment starts at when the folder holds
	// none, so that positions a reader kept (a cursor in a database) stay ahead of
	// nothing when the folder was emptied. 0 means 0.
	EmptyStart Pos
}

// Log is an open spool folder. Append, Reader, End, Changed and Remove are safe for
// concurrent use; one process at a time may have a folder open.
type Log struct {
	dir  string
	opts Options

	reqs chan *appendReq // to the writer goroutine
	mu   sync.Mutex
	// Guarded by mu:
	segs    []Pos // start of each segment, ascending; the last is being written
	end     Pos   // everything before end is durable
	changed chan struct{}
	closed  bool

	// Owned by the writer goroutine:
	f       *os.File
	size    int64 // bytes in f
	written Pos   // end of what was written to f
	buf     []byte
	done    chan struct{}
	lock    io.Closer
}

// bigRecord is the record size from which writeBatch writes a record from where it
// lies instead of gathering it into its buffer.
const bigRecord = 256 << 10

type appendReq struct {
	recs [][]byte // records of one part each, or
	one  []Part   // the parts of one record
	pos  Pos      // filled in: where the first record starts
	done chan Appended
}

// A Part is a piece of a record given to AppendPartsAsync: Bytes, or, when File is
// set, File's first Size bytes (read with ReadAt while the append runs). A big part
// in a file is never held in memory whole: it is read twice in pieces, for its
// checksum and to be written.
type Part struct {
	Bytes []byte
	File  io.ReaderAt
	Size  int64
}

// Bytes is a Part of b.
func Bytes(b []byte) Part { return Part{Bytes: b} }

// Len is the part's length in bytes.
func (p Part) Len() int64 {
	if p.File != nil {
		return p.Size
	}
	return int64(len(p.Bytes))
}

// records calls f with each record of r, as its parts.
func (r *appendReq) records(f func(parts []Part)) {
	if r.one != nil {
		f(r.one)
		return
	}
	for i := range r.recs {
		f([]Part{{Bytes: r.recs[i]}})
	}
}

// Open opens the spool in dir, creating it if needed, and cuts any torn record off
// the end of the last segment.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = defaultSegmentSize
	}
	if opts.FileMode == 0 {
		opts.FileMode = 0o600
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool folder %q: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	l, err := open(dir, opts)
	if err != nil {
		lock.Close()
		return nil, err
	}
	l.lock = lock
	go l.run()
	return l, nil
}

func open(dir string, opts Options) (*Log, error) {
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	l := &Log{dir: dir, opts: opts, reqs: make(chan *appendReq, 64), changed: make(chan struct{}), done: make(chan struct{})}
	if len(segs) == 0 {
		segs = []Pos{max(opts.EmptyStart, 0)}
	}
	last := segs[len(segs)-1]
	f, err := os.OpenFile(l.segPath(last), os.O_RDWR|os.O_CREATE, opts.FileMode)
	if err != nil {
		return nil, fmt.Errorf("open spool segment: %w", err)
	}
	valid, err := validLength(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read spool segment %s: %w", f.Name(), err)
	}
	if err := f.Truncate(valid); err != nil {
		f.Close()
		return nil, fmt.Errorf("cut torn tail of spool segment %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(valid, 0); err != nil {
		f.Close()
		return nil, err
	}
	if err := syncDir(dir, opts.NoSync); err != nil {
		f.Close()
		return nil, err
	}
	l.f, l.size = f, valid
	l.segs = segs
	l.end = last + Pos(valid)
	l.written = l.end
	return l, nil
}

// Dir returns the folder the log lives in.
func (l *Log) Dir() string { return l.dir }

// Append writes recs as consecutive records and returns once they are durable,
// with the position of the first. Records appended concurrently share an fsync. On
// an error nothing of recs is in the log (a partly written frame is cut off again),
// so the caller may keep recs and try again later.
func (l *Log) Append(recs ...[]byte) (Pos, error) {
	res := <-l.AppendAsync(recs...)
	return res.Pos, res.Err
}

// Appended is what an append came to: where its first record is, or why it failed.
type Appended struct {
	Pos Pos
	Err error
}

// AppendAsync is Append that returns at once: the channel (buffered, so nobody
// has to read it) yields the result once the records are durable or refused. It
// lets a caller stop waiting on a disk that hangs without losing track of the
// records.
func (l *Log) AppendAsync(recs ...[]byte) <-chan Appended {
	for _, r := range recs {
		if len(r) > MaxRecord {
			return refused(fmt.Errorf("append record of %d bytes: larger than %d", len(r), MaxRecord))
		}
	}
	return l.send(&appendReq{recs: recs})
}

// AppendPartsAsync is AppendAsync for one record given in parts, which are written
// from where they lie: a big record need not be copied into one slice first.
func (l *Log) AppendPartsAsync(parts ...Part) <-chan Appended {
	n := int64(0)
	for _, p := range parts {
		if p.Size < 0 {
			return refused(fmt.Errorf("append record part of %d bytes", p.Size))
		}
		n += p.Len()
	}
	if n > MaxRecord {
		return refused(fmt.Errorf("append record of %d bytes: larger than %d", n, MaxRecord))
	}
	if parts == nil {
		parts = []Part{}
	}
	return l.send(&appendReq{one: parts})
}

func refused(err error) <-chan Appended {
	out := make(chan Appended, 1)
	out <- Appended{Err: err}
	return out
}

// send queues req for the writer.
func (l *Log) send(req *appendReq) <-chan Appended {
	out := make(chan Appended, 1)
	req.done = out
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		out <- Appended{Err: ErrClosed}
		return out
	}
	// Sent under mu so that Close cannot close the channel between the check and the send.
	l.reqs <- req
	l.mu.Unlock()
	return out
}

// End returns the position after the last durable record.
func (l *Log) End() Pos {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.end
}

// Changed returns a channel that is closed when End moves (or the log closes).
func (l *Log) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// Start returns the position of the oldest record still kept.
func (l *Log) Start() Pos {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.segs[0]
}

// Remove deletes the segments that lie wholly before pos. The segment being
// written is never removed.
func (l *Log) Remove(pos Pos) error {
	l.mu.Lock()
	var drop []Pos
	for len(l.segs) > 1 && l.segs[1] <= pos {
		drop = append(drop, l.segs[0])
		l.segs = l.segs[1:]
	}
	l.mu.Unlock()
	for _, s := range drop {
		if err := os.Remove(l.segPath(s)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove spool segment: %w", err)
		}
	}
	return nil
}

// Close waits for appends in progress, then closes the log. Appends after Close
// fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.reqs)
	l.mu.Unlock()
	<-l.done
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return errors.Join(l.f.Close(), l.lock.Close())
}

// run is the writer: it takes every request waiting, writes their frames with one
// write and one fsync, and answers them all.
func (l *Log) run() {
	defer close(l.done)
	var batch []*appendReq
	for req := range l.reqs {
		batch = append(batch[:0], req)
	more:
		for {
			select {
			case r, ok := <-l.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		err := l.writeBatch(batch)
		for _, r := range batch {
			r.done <- Appended{Pos: r.pos, Err: err}
		}
		clear(batch) // the records are the callers' again: the next batch must not keep them
	}
}

func (l *Log) writeBatch(batch []*appendReq) error {
	var n int64
	for _, r := range batch {
		r.records(func(parts []Part) {
			n += frameHeader
			for _, p := range parts {
				n += p.Len()
			}
		})
	}
	if l.size > 0 && l.size+n > l.opts.SegmentSize {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	// Small records are gathered into one buffer and written with one call; a big
	// one is written from where it lies, its header gathered with what came before:
	// copying a 10 MB record into the buffer would cost its size again in memory.
	buf := l.buf[:0]
	pos := l.written
	var err error
	for _, r := range batch {
		r.pos = pos
		r.records(func(parts []Part) {
			size, sum := int64(0), uint32(0)
			for _, p := range parts {
				size += p.Len()
				if p.File == nil {
					sum = crc32.Update(sum, crcTable, p.Bytes)
				} else if err == nil {
					sum, err = fileCRC(sum, p)
				}
			}
			buf = binary.LittleEndian.AppendUint32(buf, uint32(size))
			buf = binary.LittleEndian.AppendUint32(buf, sum)
			pos += Pos(frameHeader + size)
			for _, p := range parts {
				if p.File == nil && len(p.Bytes) < bigRecord {
					buf = append(buf, p.Bytes...)
					continue
				}
				if err == nil {
					err = writeAll(l.f, buf)
				}
				if err == nil {
					if p.File == nil {
						err = writeAll(l.f, p.Bytes)
					} else {
						err = copyPart(l.f, p)
					}
				}
				buf = buf[:0]
			}
		})
	}
	if err == nil {
		err = writeAll(l.f, buf)
	}
	if cap(buf) <= 1<<20 {
		l.buf = buf[:0] // keep a small buffer for the next batch; let a big one go
	}
	if err == nil && !l.opts.NoSync {
		err = l.f.Sync()
	}
	if err != nil {
		// Leave no partial frame behind: the records were not appended, and the next
		// batch must start on a frame boundary. Cutting back needs no free space.
		if terr := l.f.Truncate(l.size); terr != nil {
			err = errors.Join(err, fmt.Errorf("cut back spool segment: %w", terr))
		}
		l.f.Seek(l.size, 0)
		return fmt.Errorf("append to spool: %w", err)
	}
	l.size += n
	l.written = pos
	l.mu.Lock()
	l.end = pos
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// rotate starts a new segment at the current end.
func (l *Log) rotate() error {
	start := l.written
	f, err := os.OpenFile(l.segPath(start), os.O_RDWR|os.O_CREATE|os.O_TRUNC, l.opts.FileMode)
	if err != nil {
		return fmt.Errorf("start spool segment: %w", err)
	}
	if err := syncDir(l.dir, l.opts.NoSync); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	l.f.Close()
	l.f, l.size = f, 0
	l.mu.Lock()
	l.segs = append(l.segs, start)
	l.mu.Unlock()
	return nil
}

func (l *Log) segPath(start Pos) string {
	return filepath.Join(l.dir, fmt.Sprintf("%020d%s", int64(start), segmentExt))
}

// segmentFor returns the start of the segment holding pos, and the start of the
// next one (or -1 when it is the last).
func (l *Log) segmentFor(pos Pos) (start, next Pos, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i] > pos }) - 1
	if i < 0 {
		return 0, 0, false
	}
	next = -1
	if i+1 < len(l.segs) {
		next = l.segs[i+1]
	}
	return l.segs[i], next, true
}

func listSegments(dir string) ([]Pos, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read spool folder: %w", err)
	}
	var segs []Pos
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segmentExt)
		if !ok || e.IsDir() {
			continue
		}
		n, err := strconv.ParseInt(name, 10, 64)
		if err != nil || n < 0 {
			continue // not ours
		}
		segs = append(segs, Pos(n))
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i] < segs[j] })
	return segs, nil
}

// validLength returns how many bytes at the start of f are whole, intact frames.
func validLength(f *os.File) (int64, error) {
	if _, err := f.Seek(0, 0); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var valid int64
	fr := newFrameReader(f)
	for {
		rec, err := fr.next(st.Size() - valid)
		if err != nil {
			// A short or bad frame at the end is a write the crash cut off.
			if errors.Is(err, errTorn) || errors.Is(err, ErrCorrupt) {
				return valid, nil
			}
			return 0, err
		}
		if rec == nil {
			return valid, nil
		}
		valid += int64(frameHeader + len(rec))
	}
}

func writeAll(f *os.File, b []byte) error {
	for len(b) > 0 {
		n, err := f.Write(b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func syncDir(dir string, noSync bool) error {
	if noSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open spool folder: %w", err)
	}
	defer d.Close()
	// Some systems (Windows) cannot sync a folder; the files' own syncs still hold.
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isNotSupported(err) {
		return fmt.Errorf("sync spool folder: %w", err)
	}
	return nil
}

// pieceSize is the size of the pieces a Part in a file is read in.
const pieceSize = 256 << 10

var pieces = sync.Pool{New: func() any { b := make([]byte, pieceSize); return &b }}

// fileCRC extends sum with the bytes of a Part in a file.
func fileCRC(sum uint32, p Part) (uint32, error) {
	err := eachPiece(p, func(b []byte) error {
		sum = crc32.Update(sum, crcTable, b)
		return nil
	})
	return sum, err
}

// copyPart writes the bytes of a Part in a file to w.
func copyPart(w *os.File, p Part) error {
	return eachPiece(p, func(b []byte) error { return writeAll(w, b) })
}

// eachPiece calls f with the bytes of a Part in a file, a piece at a time.
func eachPiece(p Part, f func([]byte) error) error {
	bp := pieces.Get().(*[]byte)
	defer pieces.Put(bp)
	for off := int64(0); off < p.Size; {
		b := (*bp)[:min(pieceSize, p.Size-off)]
		if _, err := p.File.ReadAt(b, off); err != nil {
			return fmt.Errorf("read a record part at %d of %d: %w", off, p.Size, err)
		}
		if err := f(b); err != nil {
			return err
		}
		off += int64(len(b))
	}
	return nil
}
