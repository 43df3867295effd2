package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// errTorn is a frame cut short by the end of the file.
var errTorn = errors.New("torn frame")

// frameReader reads frames from one segment file.
type frameReader struct {
	r   *bufio.Reader
	hdr [frameHeader]byte
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next record, nil at a clean end of the file, errTorn for a frame
// cut short, or an error wrapping ErrCorrupt for a frame that does not check out.
// room is how many bytes there are to read from here at most: a frame whose length
// says more is torn (or damaged), and its record is never allocated.
func (fr *frameReader) next(room int64) ([]byte, error) {
	rec, _, err := fr.nextBig(room, 0)
	return rec, err
}

// nextBig is next that passes over a record of big bytes or more (big > 0),
// checking its checksum as it goes, and returns its length instead of its bytes.
func (fr *frameReader) nextBig(room int64, big int) ([]byte, int, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		if err == io.EOF {
			return nil, 0, nil
		}
		if err == io.ErrUnexpectedEOF {
			return nil, 0, errTorn
		}
		return nil, 0, err
	}
	n := binary.LittleEndian.Uint32(fr.hdr[:4])
	sum := binary.LittleEndian.Uint32(fr.hdr[4:])
	if n > MaxRecord {
		return nil, 0, fmt.Errorf("%w: length %d", ErrCorrupt, n)
	}
	if int64(n) > room-frameHeader {
		return nil, 0, errTorn
	}
	if big > 0 && int(n) >= big {
		return nil, int(n), fr.passOver(int64(n), sum)
	}
	// Allocated at its size, which the bytes there bound: growing it as it is read
	// held a 9 MB record in twice that, and copied it as often.
	rec := make([]byte, n)
	_, err := io.ReadFull(fr.r, rec)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, 0, errTorn
		}
		return nil, 0, err
	}
	if crc32.Checksum(rec, crcTable) != sum {
		return nil, 0, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return rec, 0, nil
}

// passOver reads the n bytes of a record in pieces and checks them against sum.
func (fr *frameReader) passOver(n int64, sum uint32) error {
	bp := pieces.Get().(*[]byte)
	defer pieces.Put(bp)
	got := uint32(0)
	for n > 0 {
		b := (*bp)[:min(int64(len(*bp)), n)]
		if _, err := io.ReadFull(fr.r, b); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return errTorn
			}
			return err
		}
		got = crc32.Update(got, crcTable, b)
		n -= int64(len(b))
	}
	if got != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return nil
}

// Reader reads records in order from a position. It is not safe for concurrent use;
// open one per goroutine.
type Reader struct {
	l     *Log
	pos   Pos
	seg   Pos // start of the open segment
	next  Pos // start of the segment after it, or -1
	f     *os.File
	fr    *frameReader
	atPos Pos // where fr is positioned
}

// NewReader returns a Reader positioned at pos, which must be a record boundary
// (a position Append or Next returned, or End). A position before Start reads from
// Start: those records were removed.
func (l *Log) NewReader(pos Pos) *Reader {
	return &Reader{l: l, pos: pos}
}

// Pos returns the position of the next record Next will return.
func (r *Reader) Pos() Pos { return r.pos }

// Next returns the next durable record and the position after it. It returns
// io.EOF when it has read everything durable (wait on Log.Changed, then call again)
// and an error wrapping ErrCorrupt for a damaged frame (Skip past its segment to go
// on). The record's memory is the caller's.
func (r *Reader) Next() ([]byte, Pos, error) {
	rec, _, end, err := r.NextBig(0)
	return rec, end, err
}

// Section is a record left where it lies in its segment file (Reader.NextBig), to
// be read as it is needed rather than held in memory. Close it once done; the log
// removes only segments behind what its reader has stored, so the file stays.
type Section struct {
	*io.SectionReader
	f *os.File
}

// Close closes the section's file.
func (s *Section) Close() error { return s.f.Close() }

// NextBig is Next for a reader that takes records of big bytes or more (big > 0) as
// Sections: each is checked against its checksum as the reader passes over it, and
// is not read into memory. Exactly one of rec and sec is set when err is nil.
func (r *Reader) NextBig(big int) ([]byte, *Section, Pos, error) {
	for {
		end := r.l.End()
		if r.pos >= end {
			return nil, nil, r.pos, io.EOF
		}
		if err := r.open(); err != nil {
			return nil, nil, r.pos, err
		}
		if r.next >= 0 && r.pos >= r.next {
			r.close() // this segment is done: the next one
			continue
		}
		rec, n, err := r.fr.nextBig(int64(end-r.pos), big)
		if err == nil && rec == nil && n == 0 {
			// The end of this segment's file. What we knew of the next segment may
			// be stale (a rotation since it was opened): ask again.
			seg := r.seg
			r.close()
			s, next, _ := r.l.segmentFor(r.pos)
			switch {
			case s != seg:
				continue // pos is where the next segment starts
			case next >= 0:
				r.pos = next
				continue
			}
			return nil, nil, r.pos, fmt.Errorf("%w: segment ends at %d below the durable end %d", ErrCorrupt, r.pos, end)
		}
		if errors.Is(err, errTorn) {
			return nil, nil, r.pos, fmt.Errorf("%w: frame at %d cut short below the durable end %d", ErrCorrupt, r.pos, end)
		}
		if err != nil {
			return nil, nil, r.pos, fmt.Errorf("read spool at %d: %w", r.pos, err)
		}
		var sec *Section
		if rec == nil {
			f, err := os.Open(r.l.segPath(r.seg))
			if err != nil {
				// The reader is past the record: read it again from where it starts.
				r.close()
				return nil, nil, r.pos, fmt.Errorf("open spool segment: %w", err)
			}
			sec = &Section{SectionReader: io.NewSectionReader(f, int64(r.pos-r.seg)+frameHeader, int64(n)), f: f}
		} else {
			n = len(rec)
		}
		r.pos += Pos(frameHeader + n)
		r.atPos = r.pos
		return rec, sec, r.pos, nil
	}
}

// Skip moves past the segment holding the reader's position, to go on after a
// corrupt record. It returns the position it moved to.
func (r *Reader) Skip() Pos {
	r.close()
	if _, next, ok := r.l.segmentFor(r.pos); ok && next >= 0 {
		r.pos = next
	} else {
		r.pos = r.l.End()
	}
	return r.pos
}

// Close releases the open segment file.
func (r *Reader) Close() error {
	r.close()
	return nil
}

func (r *Reader) close() {
	if r.f != nil {
		r.f.Close()
		r.f, r.fr = nil, nil
	}
}

// open makes sure the segment holding r.pos is open and positioned there.
func (r *Reader) open() error {
	if r.f != nil && r.atPos == r.pos {
		return nil
	}
	r.close()
	if start := r.l.Start(); r.pos < start {
		r.pos = start
	}
	seg, next, ok := r.l.segmentFor(r.pos)
	if !ok {
		return fmt.Errorf("spool position %d: no segment holds it", r.pos)
	}
	f, err := os.Open(r.l.segPath(seg))
	if err != nil {
		return fmt.Errorf("open spool segment: %w", err)
	}
	if _, err := f.Seek(int64(r.pos-seg), io.SeekStart); err != nil {
		f.Close()
		return err
	}
	r.f, r.fr, r.seg, r.next, r.atPos = f, newFrameReader(f), seg, next, r.pos
	return nil
}

// Count returns how many records lie between from and the durable end, reading
// only their frame headers. Damaged frames end the count early.
func (l *Log) Count(from Pos) (int, error) {
	end := l.End()
	if start := l.Start(); from < start {
		from = start
	}
	n := 0
	for from < end {
		seg, next, ok := l.segmentFor(from)
		if !ok {
			return n, fmt.Errorf("spool position %d: no segment holds it", from)
		}
		f, err := os.Open(l.segPath(seg))
		if err != nil {
			return n, fmt.Errorf("open spool segment: %w", err)
		}
		if _, err := f.Seek(int64(from-seg), io.SeekStart); err != nil {
			f.Close()
			return n, err
		}
		br := bufio.NewReaderSize(f, 64<<10)
		limit := end
		if next >= 0 {
			limit = min(end, next)
		}
		var hdr [frameHeader]byte
		for from < limit {
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				break
			}
			size := int(binary.LittleEndian.Uint32(hdr[:4]))
			if _, err := br.Discard(size); err != nil {
				break
			}
			from += Pos(frameHeader + size)
			n++
		}
		f.Close()
		if next < 0 || from < limit {
			return n, nil
		}
		from = next
	}
	return n, nil
}
