package wsmsg_test

import (
	"compress/flate"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

// fuzzOptions picks a Reader's options from the fuzzer's flags.
func fuzzOptions(flags byte) wsmsg.Options {
	o := wsmsg.Options{Compressed: flags&1 != 0, NoContextTakeover: flags&2 != 0}
	if flags&4 != 0 {
		o.MaxMessage = 64
	}
	return o
}

// FuzzReader feeds arbitrary streams to Readers whole and in pieces: they must not
// panic, must agree, and must not deliver a message over MaxMessage.
func FuzzReader(f *testing.F) {
	for _, s := range testStreams(f) {
		if len(s.data) > 8<<10 { // seeds the fuzzer can mutate quickly
			continue
		}
		var flags byte
		if s.opts.Compressed {
			flags |= 1
		}
		if s.opts.NoContextTakeover {
			flags |= 2
		}
		if s.opts.MaxMessage != 0 {
			flags |= 4
		}
		f.Add(s.data, flags, uint16(len(s.data)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, flags byte, split uint16) {
		o := fuzzOptions(flags)
		limit := o.MaxMessage
		if limit == 0 {
			limit = wsmsg.DefaultMaxMessage
		}
		whole := read(t, o, [][]byte{data})
		for _, m := range whole.Msgs {
			if len(m) > limit {
				t.Fatalf("delivered a message of %d bytes, over MaxMessage %d", len(m), limit)
			}
		}
		// Split at split, then the rest in pieces of a size the flags pick.
		at := int(split) % (len(data) + 1)
		chunks := [][]byte{data[:at]}
		size := int(flags>>3) + 1
		for rest := data[at:]; len(rest) > 0; rest = rest[min(size, len(rest)):] {
			chunks = append(chunks, rest[:min(size, len(rest))])
		}
		if pieces := read(t, o, chunks); !cmp.Equal(whole, pieces) {
			t.Fatalf("whole and in pieces differ (-whole +pieces):\n%s", truncate(cmp.Diff(whole, pieces)))
		}
	})
}

// FuzzRoundTrip encodes messages the fuzzer picks, with the options and fragment size
// it picks, and checks that a Reader gives them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), []byte(`{"type":"response.create"}`), byte(0), uint16(0))
	f.Add([]byte(words(3000, 1)), []byte(noise(200, 2)), byte(0xff), uint16(100))
	f.Add([]byte{}, []byte{0, 0, 0xff, 0xff}, byte(3), uint16(1))
	// A flate.Writer takes most of a megabyte: one per level for the whole run.
	writers := map[bool]*flate.Writer{}
	f.Fuzz(func(t *testing.T, a, b []byte, flags byte, frag uint16) {
		masked := flags&1 != 0 // a client's stream
		o := wsmsg.Options{Compressed: flags&2 != 0, NoContextTakeover: flags&4 != 0}
		stored := flags&8 != 0
		e := &encoder{t: t, masked: masked, noContextTakeover: o.NoContextTakeover, stored: stored, fast: true, fw: writers[stored]}
		defer func() { writers[stored] = e.fw }()
		msgs := []string{string(a), string(b), string(a) + string(b)}
		for i, m := range msgs {
			// Some messages go uncompressed, as a sender may choose.
			compress := o.Compressed && (flags>>4)&(1<<i) == 0
			e.message(opText, m, compress, int(frag))
			if flags&0x80 != 0 {
				e.frame(fin|opPing, a[:min(len(a), 125)])
			}
		}
		got := read(t, o, [][]byte{e.out})
		if diff := cmp.Diff(msgs, got.Msgs); diff != "" || got.Err != "" {
			t.Fatalf("read: %s\n(-sent +read):\n%s", got.Err, truncate(diff))
		}
	})
}
