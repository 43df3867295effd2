package wsmsg_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

// testStream is one direction of a connection and what a Reader should make of it.
type testStream struct {
	name  string
	opts  wsmsg.Options // Text is set by the test
	data  []byte
	want  []string
	stats wsmsg.Stats
	err   bool // want an error wrapping wsmsg.ErrProtocol
}

// side is how a test stream is read, and whether it is a client's (masked) one.
type side struct {
	wsmsg.Options
	masked bool
}

// testStreams returns the table that TestReader checks and FuzzReader starts from.
func testStreams(t testing.TB) []testStream {
	var (
		client        = side{masked: true}
		deflate       = side{Options: wsmsg.Options{Compressed: true}}
		clientDeflate = side{wsmsg.Options{Compressed: true}, true}
		noContext     = side{wsmsg.Options{Compressed: true, NoContextTakeover: true}, true}
		withMax       = func(s side, n int) side { s.MaxMessage = n; return s }

		hello = []byte("hello")
		a10k  = noise(10_000, 1)
		big   = words(40_000, 2)
		tail  = big[len(big)-90:]
		chunk = func(i int) string { return noise(10_000, uint64(100+i)) }
	)
	rows := []struct {
		name   string
		opts   side
		stored bool
		build  func(e *encoder)
		want   []string
		stats  wsmsg.Stats
		err    bool
	}{
		{name: "text", build: func(e *encoder) { e.text("hello") },
			want: []string{"hello"}, stats: wsmsg.Stats{Text: 1}},
		{name: "text_masked", opts: client, build: func(e *encoder) { e.text("hello") },
			want: []string{"hello"}, stats: wsmsg.Stats{Text: 1}},
		{name: "empty_text", opts: client, build: func(e *encoder) { e.text("").text("") },
			want: []string{"", ""}, stats: wsmsg.Stats{Text: 2}},
		{name: "fragmented_with_control_frames", opts: client, build: func(e *encoder) {
			e.frame(opText, hello[:3]).frame(fin|opPing, []byte("ping")).frame(opCont, nil).
				frame(fin|opPong, nil).frame(fin|opCont, hello[3:])
		}, want: []string{"hello"}, stats: wsmsg.Stats{Text: 1, Control: 2}},
		{name: "length_16", opts: client, build: func(e *encoder) { e.text(words(300, 3)).text("x") },
			want: []string{words(300, 3), "x"}, stats: wsmsg.Stats{Text: 2}},
		{name: "length_64", opts: client, build: func(e *encoder) { e.text(words(70_000, 4)).text("x") },
			want: []string{words(70_000, 4), "x"}, stats: wsmsg.Stats{Text: 2}},
		{name: "length_not_shortest", opts: client, build: func(e *encoder) {
			e.frameLen(fin|opText, []byte("abc"), 64).frameLen(fin|opText, []byte("de"), 16)
		}, want: []string{"abc", "de"}, stats: wsmsg.Stats{Text: 2}},
		{name: "binary_dropped", opts: client, build: func(e *encoder) {
			e.text("a").message(opBinary, noise(1000, 5), false, 300).message(opBinary, "", false, 0).text("b")
		}, want: []string{"a", "b"}, stats: wsmsg.Stats{Text: 2, Binary: 2}},
		{name: "too_long", opts: withMax(client, 10), build: func(e *encoder) {
			e.text("0123456789").text("0123456789a").message(opText, "0123456789ab", false, 4).text("ok")
		}, want: []string{"0123456789", "ok"}, stats: wsmsg.Stats{Text: 2, TooLong: 2}},
		{name: "close_ends_stream", opts: client, build: func(e *encoder) {
			e.text("a").frame(fin|opClose, []byte("\x03\xe8bye")).raw(0xff, 0xff, 0xff).text("b")
		}, want: []string{"a"}, stats: wsmsg.Stats{Text: 1, Control: 1, Closed: true}},
		{name: "close_mid_message", build: func(e *encoder) {
			e.frame(opText, hello).frame(fin|opClose, nil).frame(fin|opCont, hello)
		}, stats: wsmsg.Stats{Control: 1, Closed: true}},

		{name: "rfc6455_examples", build: func(e *encoder) { // section 5.7
			e.raw(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f)                         // "Hello"
			e.raw(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58) // masked "Hello"
			e.raw(0x01, 0x03, 0x48, 0x65, 0x6c)                                     // "Hel"
			e.raw(0x80, 0x02, 0x6c, 0x6f)                                           // "lo"
			e.raw(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f)                         // ping
			e.raw(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58) // masked pong
			e.raw(0x82, 0x7e, 0x01, 0x00).raw(make([]byte, 256)...)
			e.raw(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0).raw(make([]byte, 65536)...)
		}, want: []string{"Hello", "Hello", "Hello"}, stats: wsmsg.Stats{Text: 3, Binary: 2, Control: 2}},
		{name: "rfc7692_examples", opts: deflate, build: func(e *encoder) { // section 7.2.3
			e.raw(0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00) // "Hello"
			e.raw(0x41, 0x03, 0xf2, 0x48, 0xcd)                         // "Hello" in two
			e.raw(0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00)
			e.raw(0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00)                                                 // refers back
			e.raw(0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00)             // stored
			e.raw(0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00)                               // BFINAL
			e.raw(0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00) // two blocks
		}, want: []string{"Hello", "Hello", "Hello", "Hello", "Hello", "Hello"}, stats: wsmsg.Stats{Text: 6}},
		{name: "deflate", opts: deflate, build: func(e *encoder) { e.deflated("hello").deflated(a10k) },
			want: []string{"hello", a10k}, stats: wsmsg.Stats{Text: 2}},
		{name: "deflate_no_context", opts: noContext, build: func(e *encoder) {
			e.deflated(big).deflated(big).message(opText, big, true, 1000).deflated("")
		}, want: []string{big, big, big, ""}, stats: wsmsg.Stats{Text: 4}},
		{name: "deflate_context", opts: clientDeflate, build: func(e *encoder) {
			e.deflated(a10k).deflated("x").deflated(a10k).message(opText, a10k, true, 3)
		}, want: []string{a10k, "x", a10k, a10k}, stats: wsmsg.Stats{Text: 4}},
		{name: "deflate_context_window", opts: clientDeflate, build: func(e *encoder) {
			// 60 KB of messages, then one that refers back 30 KB, across several.
			for i := range 6 {
				e.message(opText, chunk(i), true, 4000)
			}
			e.message(opText, chunk(3)+chunk(4), true, 7000)
		}, want: []string{chunk(0), chunk(1), chunk(2), chunk(3), chunk(4), chunk(5), chunk(3) + chunk(4)},
			stats: wsmsg.Stats{Text: 7}},
		{name: "deflate_fragmented_with_ping", opts: clientDeflate, build: func(e *encoder) {
			c := e.compress([]byte(big))
			e.frame(rsv1|opText, c[:1]).frame(fin|opPing, nil).frame(opCont, c[1:100]).
				frame(opCont, nil).frame(fin|opPong, []byte("p")).frame(fin|opCont, c[100:])
		}, want: []string{big}, stats: wsmsg.Stats{Text: 1, Control: 2}},
		{name: "deflate_and_plain", opts: deflate, build: func(e *encoder) {
			e.deflated(a10k).text("plain " + a10k).deflated(a10k)
		}, want: []string{a10k, "plain " + a10k, a10k}, stats: wsmsg.Stats{Text: 3}},
		{name: "deflate_binary_in_window", opts: clientDeflate, build: func(e *encoder) {
			e.message(opBinary, a10k, true, 2000).deflated(a10k)
		}, want: []string{a10k}, stats: wsmsg.Stats{Text: 1, Binary: 1}},
		{name: "deflate_binary_no_context", opts: noContext, build: func(e *encoder) {
			e.message(opBinary, a10k, true, 2000).deflated(a10k)
		}, want: []string{a10k}, stats: wsmsg.Stats{Text: 1, Binary: 1}},
		{name: "deflate_too_long_context", opts: withMax(clientDeflate, 100), build: func(e *encoder) {
			e.deflated(big).deflated(tail).deflated("short")
		}, want: []string{tail, "short"}, stats: wsmsg.Stats{Text: 2, TooLong: 1}},
		{name: "deflate_too_long_binary_between", opts: withMax(deflate, 100), build: func(e *encoder) {
			e.message(opText, big, true, 5000).message(opBinary, a10k, true, 0).deflated(tail + a10k[:5])
		}, want: []string{tail + a10k[:5]}, stats: wsmsg.Stats{Text: 1, TooLong: 1, Binary: 1}},
		{name: "deflate_too_long_no_context", opts: withMax(noContext, 100), build: func(e *encoder) {
			e.deflated(big).message(opText, big, true, 100).deflated(tail)
		}, want: []string{tail}, stats: wsmsg.Stats{Text: 1, TooLong: 2}},
		{name: "deflate_final_block", opts: noContext, build: func(e *encoder) {
			// RFC 7692 section 7.2.3.4: a sender may end a message with a final block.
			var b bytes.Buffer
			fw, _ := flate.NewWriter(&b, flate.BestSpeed)
			fw.Write([]byte(big))
			fw.Close()
			e.frame(fin|rsv1|opText, b.Bytes()).deflated("next")
		}, want: []string{big, "next"}, stats: wsmsg.Stats{Text: 2}},
		{name: "deflate_stored_blocks", opts: clientDeflate, stored: true, build: func(e *encoder) {
			e.message(opText, big+big, true, 3000).deflated("x")
		}, want: []string{big + big, "x"}, stats: wsmsg.Stats{Text: 2}},

		{name: "rsv2", build: func(e *encoder) { e.frame(fin|rsv2|opText, hello) }, err: true},
		{name: "rsv3", opts: deflate, build: func(e *encoder) { e.frame(fin|rsv3|opText, hello) }, err: true},
		{name: "rsv1_not_negotiated", build: func(e *encoder) { e.frame(fin|rsv1|opText, hello) }, err: true},
		{name: "rsv1_on_continuation", opts: deflate, build: func(e *encoder) {
			c := e.compress(hello)
			e.frame(rsv1|opText, c[:2]).frame(fin|rsv1|opCont, c[2:])
		}, err: true},
		{name: "rsv1_on_control", opts: deflate, build: func(e *encoder) { e.frame(fin|rsv1|opPing, nil) }, err: true},
		{name: "reserved_data_opcode", build: func(e *encoder) { e.frame(fin|0x3, hello) }, err: true},
		{name: "reserved_control_opcode", build: func(e *encoder) { e.frame(fin|0xb, nil) }, err: true},
		{name: "fragmented_control", build: func(e *encoder) { e.frame(opPing, nil) }, err: true},
		{name: "control_too_long", build: func(e *encoder) { e.frame(fin|opPing, make([]byte, 126)) }, err: true},
		{name: "continuation_outside_message", build: func(e *encoder) { e.frame(fin|opCont, hello) }, err: true},
		{name: "message_inside_message", build: func(e *encoder) {
			e.frame(opText, hello).frame(fin|opText, hello)
		}, err: true},
		{name: "length_msb", build: func(e *encoder) { e.raw(fin|opText, 127, 0x80, 0, 0, 0, 0, 0, 0, 1) }, err: true},
		{name: "deflate_corrupt", opts: deflate, build: func(e *encoder) {
			e.frame(fin|rsv1|opText, []byte{0x07}) // block type 3 is reserved
		}, err: true},
		{name: "deflate_cut_mid_block", opts: deflate, build: func(e *encoder) {
			c := e.compress([]byte(big))
			e.frame(fin|rsv1|opText, c[:len(c)/2])
		}, err: true},
		{name: "error_stops_reader", opts: client, build: func(e *encoder) {
			e.text("a").frame(fin|rsv2|opText, hello).text("b")
		}, want: []string{"a"}, stats: wsmsg.Stats{Text: 1}, err: true},
	}
	var streams []testStream
	for _, row := range rows {
		e := &encoder{t: t, masked: row.opts.masked, noContextTakeover: row.opts.NoContextTakeover, stored: row.stored}
		row.build(e)
		streams = append(streams, testStream{row.name, row.opts.Options, e.out, row.want, row.stats, row.err})
	}
	return streams
}

// readResult is what a Reader made of a stream.
type readResult struct {
	Msgs  []string
	Stats wsmsg.Stats
	Err   string
}

// read feeds chunks to a new Reader with options o.
func read(t testing.TB, o wsmsg.Options, chunks [][]byte) readResult {
	t.Helper()
	var res readResult
	o.Text = func(msg []byte) { res.Msgs = append(res.Msgs, string(msg)) }
	r := wsmsg.New(o)
	defer r.Close()
	var err error
	for _, c := range chunks {
		var n int
		if n, err = r.Write(c); n != len(c) {
			t.Fatalf("Write(%d bytes) = %d, want %[1]d", len(c), n)
		}
	}
	if err != nil {
		res.Err = err.Error()
	}
	res.Stats = r.Stats()
	return res
}

// chunkings returns ways to split data across Write calls: whole, a byte at a time,
// at every point when data is short, and in random pieces.
func chunkings(data []byte) map[string][][]byte {
	ways := map[string][][]byte{"whole": {data}}
	var bytewise [][]byte
	for i := range data {
		bytewise = append(bytewise, data[i:i+1])
	}
	ways["bytewise"] = bytewise
	if len(data) <= 4096 {
		for i := 1; i < len(data); i++ {
			ways[fmt.Sprintf("split_%d", i)] = [][]byte{data[:i], data[i:]}
		}
	}
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var pieces [][]byte
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(2000))
			pieces, rest = append(pieces, rest[:n]), rest[n:]
		}
		ways[fmt.Sprintf("random_%d", seed)] = pieces
	}
	return ways
}

func TestReader(t *testing.T) {
	for _, s := range testStreams(t) {
		t.Run(s.name, func(t *testing.T) {
			got := read(t, s.opts, [][]byte{s.data})
			want := readResult{Msgs: s.want, Stats: s.stats}
			if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
				t.Errorf("read (-want +got):\n%s", truncate(diff))
			}
			if s.err != (got.Err != "") {
				t.Errorf("error = %q, want one: %v", got.Err, s.err)
			}
			for way, chunks := range chunkings(s.data) {
				if again := read(t, s.opts, chunks); !cmp.Equal(got, again) {
					t.Fatalf("read %s (-whole +%[1]s):\n%s", way, truncate(cmp.Diff(got, again)))
				}
			}
		})
	}
}

// TestReaderError checks that protocol errors wrap ErrProtocol and say where.
func TestReaderError(t *testing.T) {
	r := wsmsg.New(wsmsg.Options{})
	stream := (&encoder{t: t}).text("hello").frame(fin|0x3, nil).out
	_, err := r.Write(stream)
	if !errors.Is(err, wsmsg.ErrProtocol) || !strings.Contains(err.Error(), "byte 7") {
		t.Errorf("Write = %v, want ErrProtocol for the frame at byte 7", err)
	}
	if _, again := r.Write([]byte("more")); again != err {
		t.Errorf("Write after the error = %v, want %v", again, err)
	}
	r.Close()
	if _, again := r.Write(nil); again != err {
		t.Errorf("Write after the error and Close = %v, want %v", again, err)
	}

	r = wsmsg.New(wsmsg.Options{})
	r.Close()
	if _, err := r.Write(stream); !errors.Is(err, wsmsg.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

// TestEncoderRefersBack checks the test encoder: with context takeover a repeated
// message compresses to a reference to the first, so deflate_context tests the window.
func TestEncoderRefersBack(t *testing.T) {
	msg := []byte(noise(10_000, 1))
	e := &encoder{t: t}
	first, again := e.compress(msg), e.compress(msg)
	if len(first) < 5000 || len(again) > 100 {
		t.Errorf("compressed sizes %d then %d, want the second to refer back to the first", len(first), len(again))
	}
	e = &encoder{t: t, noContextTakeover: true}
	first, again = e.compress(msg), e.compress(msg)
	if !slices.Equal(first, again) {
		t.Errorf("without context takeover, the same message compressed differently")
	}
}

func truncate(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}
