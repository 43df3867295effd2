package spool

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
)

func openT(t *testing.T, dir string, opts Options) *Log {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%q) = %v", dir, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// readAll reads every durable record from pos.
func readAll(t *testing.T, l *Log, pos Pos) [][]byte {
	t.Helper()
	r := l.NewReader(pos)
	defer r.Close()
	var out [][]byte
	for {
		rec, _, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next at %d: %v", r.Pos(), err)
		}
		out = append(out, rec)
	}
}

func rec(i int) []byte {
	return []byte(fmt.Sprintf("record %04d %s", i, bytes.Repeat([]byte{'x'}, i%97)))
}

func TestAppendRead(t *testing.T) {
	tests := []struct {
		name    string
		segment int64
		n       int
	}{
		{"one_segment", 0, 50},
		{"many_segments", 256, 200},
		{"record_larger_than_segment", 16, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := openT(t, t.TempDir(), Options{SegmentSize: tt.segment})
			var positions []Pos
			for i := range tt.n {
				pos, err := l.Append(rec(i))
				if err != nil {
					t.Fatal(err)
				}
				positions = append(positions, pos)
			}
			got := readAll(t, l, 0)
			if len(got) != tt.n {
				t.Fatalf("read %d records, want %d", len(got), tt.n)
			}
			for i := range got {
				if !bytes.Equal(got[i], rec(i)) {
					t.Fatalf("record %d = %q, want %q", i, got[i], rec(i))
				}
			}
			// A reader can start at any position Append returned.
			mid := tt.n / 2
			if rest := readAll(t, l, positions[mid]); len(rest) != tt.n-mid || !bytes.Equal(rest[0], rec(mid)) {
				t.Fatalf("from position %d read %d records, want %d starting with record %d", positions[mid], len(rest), tt.n-mid, mid)
			}
		})
	}
}

func TestConcurrentAppendsEachOnce(t *testing.T) {
	l := openT(t, t.TempDir(), Options{SegmentSize: 4096})
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := l.Append([]byte(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range readAll(t, l, 0) {
		if seen[string(r)] {
			t.Fatalf("record %q read twice", r)
		}
		seen[string(r)] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("read %d distinct records, want %d", len(seen), writers*each)
	}
}

func TestReopenKeepsRecordsAndCutsTornTail(t *testing.T) {
	tests := []struct {
		name string
		tail []byte // bytes a crash left after the last whole frame
	}{
		{"clean", nil},
		{"half_header", []byte{5, 0, 0}},
		{"header_without_body", []byte{100, 0, 0, 0, 1, 2, 3, 4, 'a'}},
		{"bad_checksum", []byte{1, 0, 0, 0, 0, 0, 0, 0, 'z'}},
		{"length_beyond_the_file", []byte{0, 0, 0, 0x30, 1, 2, 3, 4, 'a'}}, // 805 MB said, 1 there
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l, err := Open(dir, Options{SegmentSize: 512})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 30 {
				if _, err := l.Append(rec(i)); err != nil {
					t.Fatal(err)
				}
			}
			end := l.End()
			l.Close()
			segs, _ := listSegments(dir)
			last := filepath.Join(dir, fmt.Sprintf("%020d%s", int64(segs[len(segs)-1]), segmentExt))
			f, err := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(tt.tail)
			f.Close()

			l = openT(t, dir, Options{SegmentSize: 512})
			if l.End() != end {
				t.Fatalf("End after reopen = %d, want %d", l.End(), end)
			}
			if _, err := l.Append(rec(30)); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, l, 0)
			if len(got) != 31 || !bytes.Equal(got[30], rec(30)) {
				t.Fatalf("after reopen read %d records (last %q), want 31 ending in %q", len(got), got[len(got)-1], rec(30))
			}
		})
	}
}

// TestCorruptRecordIsReportedAndSkipped: a damaged record in the durable part of
// the log is reported, and Skip goes on with the next segment. A damaged length
// that says more than the log holds is reported without allocating it.
func TestCorruptRecordIsReportedAndSkipped(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(seg []byte)
	}{
		{"flipped_byte", func(b []byte) { b[frameHeader] ^= 0xff }},
		{"length_says_800mb", func(b []byte) { b[3] = 0x30 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openT(t, dir, Options{SegmentSize: 200})
			for i := range 20 {
				if _, err := l.Append(rec(i)); err != nil {
					t.Fatal(err)
				}
			}
			segs, _ := listSegments(dir)
			if len(segs) < 3 {
				t.Fatalf("want at least 3 segments, have %d", len(segs))
			}
			// Damage the first record of the second segment.
			second := filepath.Join(dir, fmt.Sprintf("%020d%s", int64(segs[1]), segmentExt))
			b, _ := os.ReadFile(second)
			tt.damage(b)
			os.WriteFile(second, b, 0o600)

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := l.NewReader(0)
			defer r.Close()
			var good int
			var corrupt bool
			for {
				_, _, err := r.Next()
				if err == io.EOF {
					break
				}
				if errors.Is(err, ErrCorrupt) {
					corrupt = true
					if got := r.Skip(); got != segs[2] {
						t.Fatalf("Skip() = %d, want the third segment's start %d", got, segs[2])
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				good++
			}
			if !corrupt || good == 0 || good >= 20 {
				t.Fatalf("corrupt reported %v, good records %d: want the damage reported and the rest read", corrupt, good)
			}
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > 10<<20 {
				t.Errorf("reading a log of 20 small records allocated %d MB", n>>20)
			}
		})
	}
}

func TestRemoveDropsOnlyWholeSegmentsBehind(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{SegmentSize: 200})
	var positions []Pos
	for i := range 40 {
		p, err := l.Append(rec(i))
		if err != nil {
			t.Fatal(err)
		}
		positions = append(positions, p)
	}
	cut := positions[25]
	if err := l.Remove(cut); err != nil {
		t.Fatal(err)
	}
	if l.Start() > cut {
		t.Fatalf("Start() = %d after Remove(%d): removed a segment that held unread records", l.Start(), cut)
	}
	got := readAll(t, l, cut)
	if len(got) != 15 || !bytes.Equal(got[0], rec(25)) {
		t.Fatalf("after Remove read %d records from %d, want 15", len(got), cut)
	}
	// Reading from 0 starts at the oldest kept record.
	if all := readAll(t, l, 0); len(all) < 15 || len(all) >= 40 {
		t.Fatalf("read %d records from 0 after Remove, want the kept ones only", len(all))
	}
	// Everything removed: the segment being written stays.
	if err := l.Remove(l.End()); err != nil {
		t.Fatal(err)
	}
	segs, _ := listSegments(dir)
	if len(segs) != 1 {
		t.Fatalf("%d segments left after removing all, want the current one", len(segs))
	}
}

func TestChangedSignalsAppends(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	ch := l.Changed()
	done := make(chan error)
	go func() { _, err := l.Append([]byte("x")); done <- err }()
	<-ch
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if l.End() == 0 {
		t.Fatal("End() = 0 after an append")
	}
}

func TestAppendAfterClose(t *testing.T) {
	l, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Append([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
}

func TestFileModes(t *testing.T) {
	if os.PathSeparator == '\\' {
		t.Skip("no Unix modes on Windows")
	}
	dir := filepath.Join(t.TempDir(), "spool")
	l := openT(t, dir, Options{})
	if _, err := l.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", st.Mode().Perm())
	}
	segs, _ := listSegments(dir)
	st, _ = os.Stat(l.segPath(segs[0]))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("segment mode %v, want 0600", st.Mode().Perm())
	}
}

// FuzzOpenSegment feeds arbitrary bytes as the last segment: Open must keep exactly
// the leading whole frames and go on appending after them.
func FuzzOpenSegment(f *testing.F) {
	var good bytes.Buffer
	for i := range 3 {
		r := rec(i)
		var hdr [8]byte
		hdr[0], hdr[1] = byte(len(r)), byte(len(r)>>8)
		c := crcOf(r)
		hdr[4], hdr[5], hdr[6], hdr[7] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
		good.Write(hdr[:])
		good.Write(r)
	}
	f.Add(good.Bytes())
	f.Add(append(good.Bytes(), 1, 2, 3))
	f.Add([]byte{255, 255, 255, 255, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d%s", 0, segmentExt)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		before := readAll(t, l, 0)
		if int64(l.End()) > int64(len(data)) {
			t.Fatalf("End %d beyond the %d bytes given", l.End(), len(data))
		}
		if _, err := l.Append([]byte("after")); err != nil {
			t.Fatal(err)
		}
		after := readAll(t, l, 0)
		if len(after) != len(before)+1 || string(after[len(after)-1]) != "after" {
			t.Fatalf("read %d records after appending, want %d ending in %q", len(after), len(before)+1, "after")
		}
	})
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, crcTable) }

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{})
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	l.Close()
	l2 := openT(t, dir, Options{})
	l2.Close()
}

func TestEmptyStartCarriesPositionsOn(t *testing.T) {
	l := openT(t, t.TempDir(), Options{EmptyStart: 5000})
	pos, err := l.Append([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if pos != 5000 || l.Start() != 5000 {
		t.Fatalf("first record at %d (start %d), want 5000", pos, l.Start())
	}
	if got := readAll(t, l, 0); len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}
}

func TestCount(t *testing.T) {
	l := openT(t, t.TempDir(), Options{SegmentSize: 300})
	var positions []Pos
	for i := range 25 {
		p, err := l.Append(rec(i))
		if err != nil {
			t.Fatal(err)
		}
		positions = append(positions, p)
	}
	for _, from := range []int{0, 1, 12, 24} {
		if n, err := l.Count(positions[from]); err != nil || n != 25-from {
			t.Errorf("Count(record %d) = %d, %v; want %d", from, n, err, 25-from)
		}
	}
	if n, _ := l.Count(l.End()); n != 0 {
		t.Errorf("Count(End) = %d, want 0", n)
	}
}

// TestBigRecordsAmongSmall: a batch that mixes big records (written from where they
// lie) with small ones (gathered) reads back in order, with the positions Append
// gave, and the segment's size counts them all.
func TestBigRecordsAmongSmall(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	big := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, bigRecord+i) }
	batch := [][]byte{rec(0), big(1), big(2), rec(3), big(4), rec(5)}
	first, err := l.Append(batch...)
	if err != nil {
		t.Fatal(err)
	}
	after, err := l.Append(rec(6))
	if err != nil {
		t.Fatal(err)
	}
	want := append(batch, rec(6))
	got := readAll(t, l, first)
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
	var size int
	for _, r := range batch {
		size += frameHeader + len(r)
	}
	if int(after-first) != size {
		t.Errorf("the next record starts %d bytes on, want %d", after-first, size)
	}
	if tail := readAll(t, l, after); len(tail) != 1 || !bytes.Equal(tail[0], rec(6)) {
		t.Errorf("reading from the next record's position: %d records", len(tail))
	}
}

// TestRecordInParts: a record appended in parts, small and big, in memory and in
// files, reads back as one record holding them in order, between records appended
// whole.
func TestRecordInParts(t *testing.T) {
	l := openT(t, t.TempDir(), Options{})
	inFile := bytes.Repeat([]byte("0123456789"), (2*pieceSize+333)/10)
	parts := [][]byte{[]byte("head:"), bytes.Repeat([]byte("a"), bigRecord), []byte("middle"), inFile,
		bytes.Repeat([]byte("b"), bigRecord+7), nil, []byte("small file"), []byte(":tail")}
	files := map[int]bool{3: true, 6: true}
	var given []Part
	for i, p := range parts {
		if !files[i] {
			given = append(given, Bytes(p))
			continue
		}
		// A file with more in it than the part: only Size bytes from its start count.
		f, err := os.CreateTemp(t.TempDir(), "part")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.Write(append(slices.Clone(p), "not this"...)); err != nil {
			t.Fatal(err)
		}
		given = append(given, Part{File: f, Size: int64(len(p))})
	}
	first, err := l.Append(rec(0))
	if err != nil {
		t.Fatal(err)
	}
	res := <-l.AppendPartsAsync(given...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, err := l.Append(rec(2)); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, l, first)
	want := [][]byte{rec(0), bytes.Join(parts, nil), rec(2)}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("record %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
	if tail := readAll(t, l, res.Pos); len(tail) != 2 || !bytes.Equal(tail[0], want[1]) {
		t.Errorf("reading from the parts record's position: %d records", len(tail))
	}

	// A part whose file cannot be read fails the append and leaves nothing of it.
	short, err := os.CreateTemp(t.TempDir(), "short")
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	short.WriteString("too short")
	end := l.End()
	if res := <-l.AppendPartsAsync(Bytes([]byte("head")), Part{File: short, Size: 1 << 20}); res.Err == nil {
		t.Fatal("a part of 1 MiB from a 9-byte file was appended")
	}
	if _, err := l.Append(rec(3)); err != nil {
		t.Fatal(err)
	}
	if tail := readAll(t, l, end); len(tail) != 1 || !bytes.Equal(tail[0], rec(3)) {
		t.Errorf("after a failed append of parts, %d records follow, want the one appended next", len(tail))
	}
	if res := <-l.AppendPartsAsync(Part{File: short, Size: MaxRecord}, Bytes([]byte("x"))); res.Err == nil {
		t.Error("a record of parts over MaxRecord was taken")
	}
}

// TestNextBigLeavesBigRecordsInTheFile: NextBig returns records of the size asked
// for or more as sections of their segment file, holding just their bytes, and the
// others as Next does, at the same positions; a damaged big record is reported.
func TestNextBigLeavesBigRecordsInTheFile(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{SegmentSize: 1 << 20})
	big := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, 300_000+i) }
	recs := [][]byte{rec(0), big(1), rec(2), big(3), big(4), rec(5), big(6)} // segments rotate among them
	for _, r := range recs {
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	want := readAll(t, l, 0)
	r := l.NewReader(0)
	var ends []Pos
	for i := range recs {
		rec, sec, end, err := r.NextBig(300_000)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		ends = append(ends, end)
		isBig := len(recs[i]) >= 300_000
		if (sec != nil) != isBig || (rec != nil) == isBig {
			t.Fatalf("record %d of %d bytes: section %v, bytes %v", i, len(recs[i]), sec != nil, rec != nil)
		}
		if sec != nil {
			rec = make([]byte, sec.Size())
			if _, err := sec.ReadAt(rec, 0); err != nil {
				t.Fatal(err)
			}
			sec.Close()
		}
		if !bytes.Equal(rec, want[i]) {
			t.Errorf("record %d: %d bytes, want %d", i, len(rec), len(want[i]))
		}
	}
	if _, _, _, err := r.NextBig(300_000); err != io.EOF {
		t.Errorf("after the last record: %v, want io.EOF", err)
	}
	r.Close()
	r = l.NewReader(0)
	defer r.Close()
	for i := range recs {
		if _, end, err := r.Next(); err != nil || end != ends[i] {
			t.Fatalf("Next's record %d ends at %d (%v), NextBig's at %d", i, end, err, ends[i])
		}
	}

	// A byte of the first big record damaged: reported when passed over.
	segs, _ := listSegments(dir)
	first := filepath.Join(dir, fmt.Sprintf("%020d%s", int64(segs[0]), segmentExt))
	b, _ := os.ReadFile(first)
	b[2*frameHeader+len(recs[0])+1000] ^= 0xff // inside big(1)
	os.WriteFile(first, b, 0o600)
	r2 := l.NewReader(0)
	defer r2.Close()
	r2.NextBig(300_000)
	if _, sec, _, err := r2.NextBig(300_000); !errors.Is(err, ErrCorrupt) || sec != nil {
		t.Errorf("damaged big record: section %v, %v; want ErrCorrupt", sec != nil, err)
	}
}
